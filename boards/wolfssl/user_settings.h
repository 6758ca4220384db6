/* Wasmbed: wolfSSL build options for Cortex-M4 devices.
 * SPDX-License-Identifier: Apache-2.0
 *
 * RFC 8446 (TLS 1.3) client only: ECDHE and ECDSA on P-256 (secp256r1),
 * TLS_AES_128_GCM_SHA256, SHA-256; no RSA, no TLS 1.2, no file system,
 * small stack (big temporaries on the heap). Keys and CSRs are generated on
 * the device (RFC 2986), so key and request generation are in.
 */
#ifndef WASMBED_WOLFSSL_USER_SETTINGS_H
#define WASMBED_WOLFSSL_USER_SETTINGS_H

/* Platform: bare metal, one thread, no sockets, no files. */
#define SINGLE_THREADED
#define WOLFSSL_USER_IO
#define WOLFSSL_NO_SOCK
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_DEV_RANDOM
#define NO_MAIN_DRIVER
#define WOLFSSL_NO_CURRDIR
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define SIZEOF_LONG_LONG 8
#define WOLFSSL_SMALL_STACK
#define NO_ERROR_STRINGS
#define WOLFSSL_IGNORE_FILE_WARN
/* Devices learn the time from the gateway only after connecting. */
#define NO_ASN_TIME

/* Entropy: the board's DRBG seeds wolfSSL's Hash_DRBG (SP 800-90A). */
extern int wasmbed_tls_seed(unsigned char *out, unsigned int len);
#define CUSTOM_RAND_GENERATE_SEED wasmbed_tls_seed

/* Protocol: TLS 1.3 only, client only. */
#define WOLFSSL_TLS13
#define WOLFSSL_NO_TLS12
#define NO_OLD_TLS
#define NO_WOLFSSL_SERVER
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_HKDF
#define NO_SESSION_CACHE
#define NO_PSK

/* Public key: ECC P-256 only, on the single-precision math with the
 * Cortex-M assembly. */
#define HAVE_ECC
#define ECC_USER_CURVES
#define ECC_TIMING_RESISTANT
#define WOLFSSL_SP_MATH
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_SMALL
#define WOLFSSL_SP_ARM_CORTEX_M_ASM
#define WOLFSSL_SP_NO_MALLOC
#define NO_RSA
#define NO_DH
#define NO_DSA

/* Device enrollment: key pair and certificate request made on board. */
#define WOLFSSL_KEY_GEN
#define WOLFSSL_CERT_GEN
#define WOLFSSL_CERT_REQ

/* Symmetric: AES-128-GCM and SHA-256, nothing else. */
#define HAVE_AESGCM
#define GCM_SMALL
#define WOLFSSL_AES_128
#define NO_AES_192
#define NO_AES_256
#define NO_AES_CBC
#define NO_DES3
#define NO_RC4
#define NO_MD4
#define NO_MD5
#define NO_SHA
#define NO_PWDBASED
#define NO_OLD_RNGNAME
#define WC_NO_HARDEN_WARN

#define NO_CRYPT_TEST
#define NO_CRYPT_BENCHMARK

#endif
