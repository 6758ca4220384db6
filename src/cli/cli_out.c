/* cli_out.c - what the CLI prints: tables that fit the terminal, JSON.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_COLS 12
#define MIN_COL 6

int cli_term_width(void)
{
	struct winsize ws;
	const char *e = getenv("COLUMNS");

	if (e != NULL && atoi(e) >= 20)
		return atoi(e);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

const char *cli_str(json_t *v, char *buf, size_t cap)
{
	if (v == NULL || json_is_null(v))
		snprintf(buf, cap, "-");
	else if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v))
		snprintf(buf, cap, "yes");
	else if (json_is_false(v))
		snprintf(buf, cap, "no");
	else if (json_is_real(v))
		snprintf(buf, cap, "%g", json_real_value(v));
	else {
		char *t = json_dumps(v, JSON_COMPACT);

		snprintf(buf, cap, "%s", t ? t : "?");
		free(t);
	}
	return buf;
}

const char *cli_time(json_t *v, char *buf, size_t cap)
{
	time_t t;
	struct tm tm;

	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		snprintf(buf, cap, "-");
		return buf;
	}
	t = (time_t)(json_integer_value(v) / 1000);
	localtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

void cli_print_json(json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (t != NULL)
		printf("%s\n", t);
	free(t);
}

/* Natural widths of the columns (heads and cells). */
static void measure(const char *const *heads, size_t ncol, json_t *rows,
		    int *w)
{
	size_t i, k;
	json_t *row;

	for (k = 0; k < ncol; k++)
		w[k] = (int)strlen(heads[k]);
	json_array_foreach(rows, i, row)
		for (k = 0; k < ncol; k++) {
			const char *s = json_string_value(
				json_array_get(row, k));
			int n = s ? (int)strlen(s) : 1;

			if (n > w[k])
				w[k] = n;
		}
}

/* Shrinks the widest column, one character at a time, until the row
 * fits width; if even MIN_COL each is too wide, drops the last
 * columns. Returns how many columns to show. */
static size_t fit(int *w, size_t ncol, int width)
{
	int total = 0;
	size_t k, wide;

	for (k = 0; k < ncol; k++)
		total += w[k] + 2;
	while (total - 2 > width) {
		wide = 0;
		for (k = 1; k < ncol; k++)
			if (w[k] > w[wide])
				wide = k;
		if (w[wide] <= MIN_COL)
			break;
		w[wide]--;
		total--;
	}
	while (ncol > 1 && total - 2 > width)
		total -= w[--ncol] + 2;
	return ncol;
}

static void cell(const char *s, int w, int last)
{
	int n = (int)strlen(s);

	if (n > w && w > 3)
		printf("%.*s...", w - 3, s);
	else
		printf("%-*.*s", last ? 0 : w, w, s);
	if (!last)
		fputs("  ", stdout);
}

void cli_table(const char *const *heads, size_t ncol, json_t *rows)
{
	int w[MAX_COLS];
	size_t i, k;
	json_t *row;

	if (ncol > MAX_COLS)
		ncol = MAX_COLS;
	measure(heads, ncol, rows, w);
	ncol = fit(w, ncol, cli_term_width());
	for (k = 0; k < ncol; k++)
		cell(heads[k], w[k], k + 1 == ncol);
	putchar('\n');
	json_array_foreach(rows, i, row) {
		for (k = 0; k < ncol; k++) {
			const char *s = json_string_value(
				json_array_get(row, k));

			cell(s ? s : "-", w[k], k + 1 == ncol);
		}
		putchar('\n');
	}
}
