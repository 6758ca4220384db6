/* wasmbed.h - the host API a Wasmbed device offers its applications.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md: the `wasmbed` import module. Build with
 * clang --target=wasm32-wasi; see apps/CMakeLists.txt for the flags.
 *
 * An application is a WASI command: the device calls its _start (main
 * with wasi-libc) and runs it in fuel slices beside other apps. What it
 * writes to stdout and stderr becomes log records the gateway stores,
 * one per line. It must call wasmbed_sleep_ms() at least once per fuel
 * limit (set at deploy time), or it is stopped and marked Failed.
 */
#ifndef WASMBED_APP_H
#define WASMBED_APP_H

#include <stdint.h>

#define WASMBED_IMPORT(name) \
	__attribute__((import_module("wasmbed"), import_name(name)))

/* Log levels of wasmbed_log(). */
enum { WASMBED_ERROR = 0, WASMBED_WARN = 1, WASMBED_INFO = 2,
       WASMBED_DEBUG = 3 };

/* One log record of len bytes of text (at most 96 are kept). */
WASMBED_IMPORT("log")
void wasmbed_log(int32_t level, const char *text, uint32_t len);

/* Milliseconds since the device started. */
WASMBED_IMPORT("uptime_ms")
uint64_t wasmbed_uptime_ms(void);

/* Suspends this application for ms milliseconds; the device and the
 * other applications go on meanwhile. */
WASMBED_IMPORT("sleep_ms")
void wasmbed_sleep_ms(uint32_t ms);

/* Copies the device id (no NUL) into buf; returns its length, or -1
 * if cap is too small. */
WASMBED_IMPORT("device_id")
int32_t wasmbed_device_id(char *buf, uint32_t cap);

/* Sends a small message to the gateway: topic at most 64 bytes,
 * payload at most 256. Returns 0 if sent, -1 if the device is offline
 * (the message is not kept), -2 if too large. */
WASMBED_IMPORT("publish")
int32_t wasmbed_publish(const char *topic, uint32_t topic_len,
			const void *payload, uint32_t payload_len);

#endif
