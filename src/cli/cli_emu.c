/* cli_emu.c - wasmbed emu: emulated boards through the device manager.
 * SPDX-License-Identifier: Apache-2.0
 * The manager's API is in docs/emu.md; a new board gets the fleet CA
 * as DIR/ca.der, which the firmware imports at first boot.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cli_err emu_req(struct cli *c, const char *method, const char *path,
		       json_t *body, json_t **out)
{
	struct cli_req r = { c->emu_url, method, path, body, NULL, 0, NULL,
			     0 };

	return cli_call(c, &r, out);
}

static int b64val(int ch)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(tab, ch) : NULL;

	return p ? (int)(p - tab) : -1;
}

/* Decodes the base64 body of a PEM text in place; returns its length
 * (RFC 7468: the lines between BEGIN and END). */
static size_t pem_to_der(unsigned char *buf, size_t len)
{
	size_t i = 0, o = 0;
	unsigned acc = 0;
	int bits = 0, v;

	while (i < len && buf[i] != '\n')
		i++;
	for (; i < len && buf[i] != '-'; i++) {
		v = b64val(buf[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

/* Copies the fleet CA (PEM or DER at src) to DIR/ca.der. */
static cli_err put_ca(const char *src, const char *dir)
{
	unsigned char buf[8192];
	char dst[CLI_URL_MAX + 16];
	FILE *in = dir ? fopen(src, "rb") : NULL, *out = NULL;
	size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;
	cli_err rc = CLI_EFAIL;

	if (n == 0 || n == sizeof(buf))
		goto out;
	if (memcmp(buf, "-----BEGIN", 10) == 0)
		n = pem_to_der(buf, n);
	snprintf(dst, sizeof(dst), "%s/ca.der", dir);
	out = fopen(dst, "wb");
	if (out != NULL && fwrite(buf, 1, n, out) == n && fclose(out) == 0)
		rc = CLI_OK;
	else if (out != NULL)
		fclose(out);
out:
	if (in != NULL)
		fclose(in);
	return rc != CLI_OK ? cli_fail(rc, "pass the gateway's ca.crt with"
				       " --ca FILE", "cannot give the board"
				       " the fleet CA from '%s'", src) : rc;
}

/* A free default name: PROFILE-1, PROFILE-2, ... */
static cli_err pick_name(struct cli *c, const char *profile, char *name,
			 size_t cap)
{
	json_t *j = NULL, *b;
	size_t i;
	int n, taken;
	cli_err rc = emu_req(c, "GET", "/api/v1/boards", NULL, &j);

	for (n = 1; rc == CLI_OK; n++) {
		snprintf(name, cap, "%.24s-%d", profile, n);
		taken = 0;
		json_array_foreach(json_object_get(j, "boards"), i, b) {
			const char *s = json_string_value(
				json_object_get(b, "name"));

			taken |= s != NULL && strcmp(s, name) == 0;
		}
		if (!taken)
			break;
	}
	json_decref(j);
	return rc;
}

static cli_err emu_create(struct cli *c, const char *name,
			  const char *profile, const char *image,
			  const char *ca, int start)
{
	char nm[64], path[128];
	json_t *b = NULL, *j = NULL;
	cli_err rc = CLI_OK;

	if (profile == NULL)
		return cli_fail(CLI_EUSAGE, "profiles: boards/profiles.txt",
				"emu create: --board PROFILE is required");
	if (name == NULL)
		rc = pick_name(c, profile, nm, sizeof(nm));
	else
		snprintf(nm, sizeof(nm), "%s", name);
	b = json_pack("{s:s,s:s}", "name", nm, "board", profile);
	if (image != NULL)
		json_object_set_new(b, "image", json_string(image));
	if (rc == CLI_OK)
		rc = emu_req(c, "POST", "/api/v1/boards", b, &j);
	if (rc == CLI_OK && (ca || c->ca_path[0]))
		rc = put_ca(ca ? ca : c->ca_path, json_string_value(
				    json_object_get(j, "dir")));
	snprintf(path, sizeof(path), "/api/v1/boards/%s/start", nm);
	if (rc == CLI_OK && start) {
		json_decref(j);
		rc = emu_req(c, "POST", path, NULL, &j);
	}
	if (rc == CLI_OK && c->json)
		cli_print_json(j);
	else if (rc == CLI_OK)
		printf("board %s (%s) created%s\n", nm, profile,
		       start ? " and started" : "; start it with `wasmbed emu"
		       " start NAME`");
	json_decref(b);
	json_decref(j);
	return rc;
}

static void boards_table(json_t *boards)
{
	static const char *const heads[] = { "NAME", "BOARD", "STATE", "PID",
					     "UPTIME", "RESTARTS", "GATEWAY",
					     "LAST ERROR" };
	json_t *rows = json_array(), *b;
	char s[6][64], e[256];
	size_t i;

	json_array_foreach(boards, i, b)
		json_array_append_new(rows, json_pack("[ssssssss]",
			cli_str(json_object_get(b, "name"), s[0], 64),
			cli_str(json_object_get(b, "board"), s[1], 64),
			cli_str(json_object_get(b, "state"), s[2], 64),
			cli_str(json_object_get(b, "pid"), s[3], 64),
			cli_str(json_object_get(b, "uptime_s"), s[4], 64),
			cli_str(json_object_get(b, "restarts"), s[5], 64),
			json_is_true(json_object_get(json_object_get(b,
				"bridge"), "gateway_connected")) ? "up" : "-",
			cli_str(json_object_get(b, "last_error"), e, 256)));
	if (json_array_size(boards) == 0)
		printf("no boards: wasmbed emu create --board PROFILE"
		       " --start\n");
	else
		cli_table(heads, 8, rows);
	json_decref(rows);
}

static const char emu_use[] =
	"usage: wasmbed emu list\n"
	"       wasmbed emu create --board PROFILE [--name NAME]"
	" [--image ELF]\n"
	"                          [--ca FILE] [--start]\n"
	"       wasmbed emu start|stop|restart|remove|status NAME\n\n"
	"Emulated boards, through the device manager (wasmbed-emu serve).\n"
	"create names the board PROFILE-N unless --name is given, and puts\n"
	"the fleet CA (--ca, else the local gateway's ca.crt) in its\n"
	"folder. Profiles: boards/profiles.txt.\n";

/* start|stop|restart|remove|status NAME */
static cli_err emu_one(struct cli *c, const char *sub, const char *name)
{
	char path[160];
	json_t *j = NULL;
	cli_err rc;
	int get = !strcmp(sub, "status"), del = !strcmp(sub, "remove");

	snprintf(path, sizeof(path), "/api/v1/boards/%s%s%s", name,
		 get || del ? "" : "/", get || del ? "" : sub);
	rc = emu_req(c, get ? "GET" : del ? "DELETE" : "POST", path, NULL,
		     &j);
	if (rc == CLI_OK && c->json)
		cli_print_json(j ? j : json_null());
	else if (rc == CLI_OK && get) {
		json_t *one = json_pack("[O]", j);

		boards_table(one);
		json_decref(one);
	}
	else if (rc == CLI_OK)
		printf("board %s: %s done\n", name, sub);
	json_decref(j);
	return rc;
}

cli_err cli_emu(struct cli *c, int argc, char **argv)
{
	const char *board = NULL, *name = NULL, *image = NULL, *ca = NULL;
	int start = 0;
	struct cli_opt opts[] = { { "board", 0, &board, NULL, NULL },
				  { "name", 0, &name, NULL, NULL },
				  { "image", 0, &image, NULL, NULL },
				  { "ca", 0, &ca, NULL, NULL },
				  { "start", 0, NULL, &start, NULL },
				  { NULL, 0, NULL, NULL, NULL } };
	struct cli_args a;
	json_t *j = NULL;
	cli_err rc = cli_parse(c, argc, argv, opts, &a, emu_use);
	const char *sub = a.npos > 0 ? a.pos[0] : "list";

	if (rc != CLI_OK)
		return rc;
	if (!strcmp(sub, "create") && a.npos <= 2)
		return emu_create(c, a.npos == 2 ? a.pos[1] : name, board,
				  image, ca, start);
	if (!strcmp(sub, "list") && a.npos <= 1) {
		rc = emu_req(c, "GET", "/api/v1/boards", NULL, &j);
		if (rc == CLI_OK && c->json)
			cli_print_json(j);
		else if (rc == CLI_OK)
			boards_table(json_object_get(j, "boards"));
		json_decref(j);
		return rc;
	}
	if (a.npos == 2 && (!strcmp(sub, "start") || !strcmp(sub, "stop") ||
			    !strcmp(sub, "restart") || !strcmp(sub, "remove")
			    || !strcmp(sub, "status")))
		return emu_one(c, sub, a.pos[1]);
	return cli_fail(CLI_EUSAGE, "see `wasmbed emu --help`",
			"emu: expected list, create --board PROFILE, or"
			" start|stop|restart|remove|status NAME");
}
