/* cli_conf.c - where the CLI finds the gateway, token and manager.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Lowest to highest precedence: built-in defaults; the local data
 * directory (DATA/gateway/api.url and admin.token, DATA/emu/api.url);
 * the config file; WASMBED_URL, WASMBED_TOKEN, WASMBED_EMU_URL; flags.
 * docs/cli.md, "Finding the gateway".
 */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads the first word of file path into buf; 0 if it did. */
static int read_word(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	char fmt[16];
	int ok;

	if (f == NULL)
		return -1;
	snprintf(fmt, sizeof(fmt), "%%%zus", cap - 1);
	ok = fscanf(f, fmt, buf) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* XDG base directory: $ENVVAR, else $HOME/fallback; 0 if found. */
static int xdg_dir(const char *envvar, const char *fallback, char *buf,
		   size_t cap)
{
	const char *v = getenv(envvar), *home = getenv("HOME");

	if (v != NULL && v[0] == '/')
		snprintf(buf, cap, "%s", v);
	else if (home != NULL)
		snprintf(buf, cap, "%s/%s", home, fallback);
	else
		return -1;
	return 0;
}

static void from_data_dir(struct cli *c)
{
	char dir[CLI_URL_MAX], p[CLI_URL_MAX + 32];
	const char *d = getenv("WASMBED_DATA_DIR");

	if (d != NULL)
		snprintf(dir, sizeof(dir), "%s", d);
	else if (xdg_dir("XDG_DATA_HOME", ".local/share", dir,
			 sizeof(dir) - 16) == 0)
		strcat(dir, "/wasmbed");
	else
		return;
	snprintf(p, sizeof(p), "%s/gateway/api.url", dir);
	read_word(p, c->url, sizeof(c->url));
	snprintf(p, sizeof(p), "%s/gateway/admin.token", dir);
	if (read_word(p, c->token, sizeof(c->token)) == 0)
		snprintf(c->token_src, sizeof(c->token_src), "%s", p);
	snprintf(p, sizeof(p), "%s/gateway/ca.crt", dir);
	if (access(p, R_OK) == 0)
		snprintf(c->ca_path, sizeof(c->ca_path), "%s", p);
	snprintf(p, sizeof(p), "%s/emu/api.url", dir);
	read_word(p, c->emu_url, sizeof(c->emu_url));
}

/* Applies one "key = value" line of the config file at path. */
static void conf_line(struct cli *c, char *line, const char *path)
{
	char *eq = strchr(line, '='), *k = line, *v, *e;

	if (line[0] == '#' || eq == NULL)
		return;
	*eq = '\0';
	v = eq + 1;
	while (isspace((unsigned char)*k))
		k++;
	while (isspace((unsigned char)*v))
		v++;
	for (e = eq; e > k && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	if (strcmp(k, "url") == 0)
		snprintf(c->url, sizeof(c->url), "%s", v);
	else if (strcmp(k, "emu_url") == 0)
		snprintf(c->emu_url, sizeof(c->emu_url), "%s", v);
	else if (strcmp(k, "token") == 0) {
		snprintf(c->token, sizeof(c->token), "%s", v);
		snprintf(c->token_src, sizeof(c->token_src), "%s", path);
	} else if (strcmp(k, "token_file") == 0 &&
		   read_word(v, c->token, sizeof(c->token)) == 0)
		snprintf(c->token_src, sizeof(c->token_src), "%s", v);
}

static void from_config(struct cli *c)
{
	char path[CLI_URL_MAX], line[1024];
	const char *p = getenv("WASMBED_CONFIG");
	FILE *f;

	if (p != NULL)
		snprintf(path, sizeof(path), "%s", p);
	else if (xdg_dir("XDG_CONFIG_HOME", ".config", path,
			 sizeof(path) - 16) == 0)
		strcat(path, "/wasmbed/config");
	else
		return;
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		conf_line(c, line, path);
	}
	fclose(f);
}

void cli_conf_load(struct cli *c)
{
	const char *v;

	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:8080");
	snprintf(c->emu_url, sizeof(c->emu_url), "http://127.0.0.1:8090");
	from_data_dir(c);
	from_config(c);
	if ((v = getenv("WASMBED_URL")) != NULL && v[0] != '\0')
		snprintf(c->url, sizeof(c->url), "%s", v);
	if ((v = getenv("WASMBED_TOKEN")) != NULL && v[0] != '\0') {
		snprintf(c->token, sizeof(c->token), "%s", v);
		snprintf(c->token_src, sizeof(c->token_src), "WASMBED_TOKEN");
	}
	if ((v = getenv("WASMBED_EMU_URL")) != NULL && v[0] != '\0')
		snprintf(c->emu_url, sizeof(c->emu_url), "%s", v);
}
