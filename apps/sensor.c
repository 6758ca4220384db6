/* sensor.c - sample application: a simulated sensor with state.
 * SPDX-License-Identifier: Apache-2.0
 * Implements docs/apps.md "sensor": samples every 200 ms, keeps the
 * minimum, maximum and a running mean, reports every 5 samples; says on
 * stderr (a warning record) that its readings are simulated.
 */
#include <stdio.h>

#include "wasmbed.h"

#define SAMPLE_MS 200u
#define REPORT_EVERY 5u

struct stats {
	int32_t min, max;
	int64_t sum;
	uint32_t n;
};

/* A temperature in tenths of a degree that drifts with time. */
static int32_t read_sensor(void)
{
	uint64_t t = wasmbed_uptime_ms() / SAMPLE_MS;

	return 215 + (int32_t)(t % 17) - 8;
}

static void add(struct stats *s, int32_t v)
{
	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->sum += v;
	s->n++;
}

int main(void)
{
	struct stats s = { 0, 0, 0, 0 };
	char id[48];
	int32_t idlen = wasmbed_device_id(id, sizeof(id));

	fprintf(stderr, "readings are simulated\n");
	printf("sensor on %.*s\n", idlen > 0 ? (int)idlen : 0, id);
	for (;;) {
		add(&s, read_sensor());
		if (s.n % REPORT_EVERY == 0)
			printf("samples %u min %d max %d mean %d\n",
			       (unsigned)s.n, (int)s.min, (int)s.max,
			       (int)(s.sum / s.n));
		wasmbed_sleep_ms(SAMPLE_MS);
	}
}
