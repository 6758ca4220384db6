/* gw_db.c - the gateway's registry: devices, certificates, pairing.
 * SPDX-License-Identifier: Apache-2.0
 * One SQLite database in WAL mode with synchronous=FULL, so that what
 * the gateway acknowledged has reached the disk (docs/gateway.md).
 */
#include "gw.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "gw_db_internal.h"

#define MOD "db"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS devices("
	" id TEXT PRIMARY KEY, name TEXT,"
	" state TEXT NOT NULL DEFAULT 'enrolled',"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" enrolled_at INTEGER NOT NULL, last_seen INTEGER,"
	" board TEXT, firmware TEXT, ram INTEGER, flash INTEGER,"
	" features TEXT, max_frame INTEGER, peer TEXT,"
	" log_seq INTEGER NOT NULL DEFAULT 0,"
	" log_dropped INTEGER NOT NULL DEFAULT 0,"
	" log_count INTEGER NOT NULL DEFAULT 0);"
	GW_DB_SCHEMA_MORE
	"CREATE TABLE IF NOT EXISTS certs("
	" serial TEXT PRIMARY KEY,"
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" issued_at INTEGER NOT NULL, not_after INTEGER NOT NULL,"
	" revoked_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS certs_device ON certs(device_id);"
	"CREATE TABLE IF NOT EXISTS enrollments("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL, peer TEXT,"
	" device_id TEXT, result TEXT NOT NULL, reason TEXT);"
	"CREATE TABLE IF NOT EXISTS pairing("
	" id INTEGER PRIMARY KEY, opened_at INTEGER NOT NULL,"
	" until INTEGER, closed_at INTEGER);"
	"CREATE TABLE IF NOT EXISTS logs("
	" device_id TEXT NOT NULL, seq INTEGER NOT NULL, app_id INTEGER,"
	" time_ms INTEGER, level INTEGER, text TEXT,"
	" received_at INTEGER, PRIMARY KEY(device_id, seq));"
	/* Sessions died with the previous process. */
	"UPDATE devices SET state='unreachable' WHERE state='connected';";

static gw_err fail(struct gw_db *db, const char *what)
{
	gw_log(GW_ERROR, MOD, "%s: %s", what, sqlite3_errmsg(db->h));
	return GW_E_DB;
}

gw_err gw_db_fail(struct gw_db *db, const char *what)
{
	return fail(db, what);
}

/* Prepares sql and binds arguments described by fmt: 't' text (NULL
 * binds SQL NULL), 'i' int64, 'u' uint64 stored as int64, 'b' a blob
 * given as pointer and size_t length. */
static gw_err vprep(struct gw_db *db, sqlite3_stmt **st, const char *sql,
		    const char *fmt, va_list ap)
{
	int i, rc;

	if (sqlite3_prepare_v2(db->h, sql, -1, st, NULL) != SQLITE_OK)
		return fail(db, "prepare");
	for (i = 0, rc = SQLITE_OK; fmt[i] && rc == SQLITE_OK; i++) {
		if (fmt[i] == 'b') {
			const void *p = va_arg(ap, const void *);

			rc = sqlite3_bind_blob(*st, i + 1, p,
					       (int)va_arg(ap, size_t),
					       SQLITE_TRANSIENT);
			continue;
		}
		if (fmt[i] == 't')
			rc = sqlite3_bind_text(*st, i + 1,
					       va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
		else if (fmt[i] == 'i')
			rc = sqlite3_bind_int64(*st, i + 1,
						va_arg(ap, int64_t));
		else
			rc = sqlite3_bind_int64(*st, i + 1,
						(int64_t)va_arg(ap, uint64_t));
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		return fail(db, "bind");
	}
	return GW_OK;
}

static gw_err prep(struct gw_db *db, sqlite3_stmt **st, const char *sql,
		   const char *fmt, ...)
{
	va_list ap;
	gw_err rc;

	va_start(ap, fmt);
	rc = vprep(db, st, sql, fmt, ap);
	va_end(ap);
	return rc;
}

gw_err gw_db_prep(struct gw_db *db, sqlite3_stmt **st, const char *sql,
		  const char *fmt, ...)
{
	va_list ap;
	gw_err rc;

	va_start(ap, fmt);
	rc = vprep(db, st, sql, fmt, ap);
	va_end(ap);
	return rc;
}

/* Runs a prepared statement to completion; *changes may be NULL. */
static gw_err run(struct gw_db *db, sqlite3_stmt *st, int *changes)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(db, "step");
	if (changes != NULL)
		*changes = sqlite3_changes(db->h);
	return GW_OK;
}

static gw_err exec(struct gw_db *db, const char *sql)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, sql);
	return GW_OK;
}

gw_err gw_db_run_(struct gw_db *db, sqlite3_stmt *st, int *changes)
{
	return run(db, st, changes);
}

gw_err gw_db_exec_(struct gw_db *db, const char *sql)
{
	return exec(db, sql);
}

/* Transactions nest: only the outermost begin and end reach SQLite, and
 * a failure anywhere inside rolls the whole of it back. */
gw_err gw_db_begin(struct gw_db *db)
{
	gw_err rc = GW_OK;

	if (db->depth == 0) {
		rc = exec(db, "BEGIN IMMEDIATE");
		db->failed = 0;
	}
	if (rc == GW_OK)
		db->depth++;
	return rc;
}

gw_err gw_db_end(struct gw_db *db, gw_err rc)
{
	/* The begin failed: there is nothing to end. */
	if (db->depth == 0)
		return rc;
	if (rc != GW_OK)
		db->failed = 1;
	if (--db->depth > 0)
		return rc;
	if (!db->failed)
		return exec(db, "COMMIT");
	exec(db, "ROLLBACK");
	return rc != GW_OK ? rc : GW_E_DB;
}

static gw_err end_tx(struct gw_db *db, gw_err rc)
{
	return gw_db_end(db, rc);
}

gw_err gw_db_open(struct gw_db **out, const char *path)
{
	struct gw_db *db = calloc(1, sizeof(*db));
	gw_err rc = GW_E_NOMEM;

	*out = NULL;
	if (db == NULL)
		return rc;
	rc = GW_E_DB;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db->h, 5000);
	db->log_keep = 10000;
	rc = exec(db, schema);
	/* Registries made before these columns existed get them. */
	sqlite3_exec(db->h, "ALTER TABLE devices ADD COLUMN log_dropped"
		     " INTEGER NOT NULL DEFAULT 0", NULL, NULL, NULL);
	sqlite3_exec(db->h, "ALTER TABLE devices ADD COLUMN log_count"
		     " INTEGER NOT NULL DEFAULT 0", NULL, NULL, NULL);
out:
	if (rc != GW_OK) {
		gw_log(GW_ERROR, MOD, "cannot open %s: %s", path,
		       db->h ? sqlite3_errmsg(db->h) : "no memory");
		gw_db_close(db);
		return rc;
	}
	gw_log(GW_INFO, MOD, "registry %s (WAL)", path);
	*out = db;
	return GW_OK;
}

void gw_db_close(struct gw_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	free(db);
}

gw_err gw_db_enroll(struct gw_db *db, const char *id, const char *name,
		    const char *serial, int64_t not_after, const char *peer)
{
	uint64_t now = gw_now_ms();
	sqlite3_stmt *st;
	gw_err rc = gw_db_begin(db);

	if (rc != GW_OK)
		return rc;
	rc = prep(db, &st, "INSERT INTO devices(id, name, enrolled_at, peer)"
		  " VALUES(?, ?, ?, ?)", "ttut", id, name, now, peer);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = prep(db, &st, "INSERT INTO certs(serial, device_id,"
			  " issued_at, not_after) VALUES(?, ?, ?, ?)", "ttui",
			  serial, id, now, not_after * 1000);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = prep(db, &st, "INSERT INTO enrollments(at, peer,"
			  " device_id, result) VALUES(?, ?, ?, 'issued')",
			  "utt", now, peer, id);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	return end_tx(db, rc);
}

gw_err gw_db_enroll_refused(struct gw_db *db, const char *peer,
			    const char *reason)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "INSERT INTO enrollments(at, peer, result,"
			 " reason) VALUES(?, ?, 'refused', ?)", "utt",
			 gw_now_ms(), peer, reason);

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_cert_ok(struct gw_db *db, const char *serial, const char *id)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "SELECT c.revoked_at IS NOT NULL OR"
			 " d.revoked FROM certs c JOIN devices d ON"
			 " d.id = c.device_id WHERE c.serial = ? AND"
			 " c.device_id = ?", "tt", serial, id);
	int step;

	if (rc != GW_OK)
		return rc;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) ? GW_E_DENIED : GW_OK;
	else
		rc = step == SQLITE_DONE ? GW_E_NOTFOUND : fail(db, "cert");
	sqlite3_finalize(st);
	return rc;
}

/* Engine features as one comma-separated column. */
static void join_features(const struct proto_hello *h, char *out,
			  size_t cap)
{
	size_t used = 0;
	uint32_t i;

	out[0] = '\0';
	for (i = 0; i < h->n_features; i++) {
		int n = snprintf(out + used, cap - used, "%s%.*s",
				 i ? "," : "", (int)h->features[i].len,
				 (const char *)h->features[i].ptr);

		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
}

gw_err gw_db_hello(struct gw_db *db, const char *id,
		   const struct proto_hello *h, const char *peer,
		   uint64_t *log_seq)
{
	char board[128], fw[128], feats[640];
	sqlite3_stmt *st;
	gw_err rc;

	snprintf(board, sizeof(board), "%.*s", (int)h->board.len,
		 (const char *)h->board.ptr);
	snprintf(fw, sizeof(fw), "%.*s", (int)h->firmware.len,
		 (const char *)h->firmware.ptr);
	join_features(h, feats, sizeof(feats));
	rc = prep(db, &st, "UPDATE devices SET state='connected',"
		  " last_seen=?, board=?, firmware=?, ram=?, flash=?,"
		  " features=?, max_frame=?, peer=? WHERE id=?"
		  " RETURNING log_seq", "uttiititt", gw_now_ms(), board,
		  fw, (int64_t)h->ram, (int64_t)h->flash, feats,
		  (int64_t)h->max_frame, peer, id);
	if (rc != GW_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*log_seq = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = GW_E_NOTFOUND;
	sqlite3_finalize(st);
	return rc;
}

gw_err gw_db_set_state(struct gw_db *db, const char *id, const char *state)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "UPDATE devices SET state=?, last_seen=?"
			 " WHERE id=?", "tut", state, gw_now_ms(), id);

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_disconnect_all(struct gw_db *db)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "UPDATE devices SET state='disconnected',"
			 " last_seen=? WHERE state='connected'", "u",
			 gw_now_ms());

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_revoke(struct gw_db *db, const char *id)
{
	uint64_t now = gw_now_ms();
	sqlite3_stmt *st;
	int changed = 0;
	gw_err rc = gw_db_begin(db);

	if (rc != GW_OK)
		return rc;
	rc = prep(db, &st, "UPDATE devices SET revoked=1 WHERE id=?", "t",
		  id);
	if (rc == GW_OK)
		rc = run(db, st, &changed);
	if (rc == GW_OK && changed == 0)
		rc = GW_E_NOTFOUND;
	if (rc == GW_OK)
		rc = prep(db, &st, "UPDATE certs SET revoked_at=? WHERE"
			  " device_id=? AND revoked_at IS NULL", "ut", now,
			  id);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	return end_tx(db, rc);
}

static gw_err log_one(struct gw_db *db, const char *id,
		      const struct proto_log_record *r, uint64_t now)
{
	char text[1024];
	sqlite3_stmt *st;
	gw_err rc;

	snprintf(text, sizeof(text), "%.*s", (int)r->text.len,
		 (const char *)r->text.ptr);
	rc = prep(db, &st, "INSERT INTO logs VALUES(?, ?, ?, ?, ?, ?, ?)",
		  "tuiuitu", id, r->seq, (int64_t)r->app_id, r->time_ms,
		  (int64_t)r->level, text, now);
	return rc == GW_OK ? run(db, st, NULL) : rc;
}

/* Keeps at most db->log_keep records of a device: the oldest go and
 * are counted in log_dropped. Inside the caller's transaction. */
static gw_err log_trim(struct gw_db *db, const char *id, uint64_t added)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "UPDATE devices SET log_count=log_count+?"
			 " WHERE id=? RETURNING log_count", "ut", added, id);
	uint64_t count = 0, excess;

	if (rc != GW_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		count = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (db->log_keep == 0 || count <= db->log_keep)
		return GW_OK;
	excess = count - db->log_keep;
	rc = prep(db, &st, "DELETE FROM logs WHERE device_id=?1 AND seq IN"
		  " (SELECT seq FROM logs WHERE device_id=?1 ORDER BY seq"
		  " LIMIT ?2)", "tu", id, excess);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = prep(db, &st, "UPDATE devices SET log_count=?,"
			  " log_dropped=log_dropped+? WHERE id=?", "uut",
			  db->log_keep, excess, id);
	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_log_append(struct gw_db *db, const char *id,
			const struct proto_log *log, uint64_t *last)
{
	uint64_t now = gw_now_ms(), seq = 0, added = 0;
	sqlite3_stmt *st;
	uint32_t i;
	gw_err rc = gw_db_begin(db);

	if (rc != GW_OK)
		return rc;
	rc = prep(db, &st, "SELECT log_seq FROM devices WHERE id=?", "t", id);
	if (rc == GW_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			seq = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}

	/* Records at or below the stored seq were sent twice: drop them. */
	for (i = 0; rc == GW_OK && i < log->n_records; i++) {
		if (log->records[i].seq <= seq)
			continue;
		rc = log_one(db, id, &log->records[i], now);
		seq = log->records[i].seq;
		added++;
	}
	if (rc == GW_OK)
		rc = prep(db, &st, "UPDATE devices SET log_seq=? WHERE id=?",
			  "ut", seq, id);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK && added > 0)
		rc = log_trim(db, id, added);
	*last = seq;
	return end_tx(db, rc);
}

void gw_db_set_log_keep(struct gw_db *db, uint64_t keep)
{
	db->log_keep = keep;
}

static const char *level_name(int64_t l)
{
	static const char *const names[] = { "error", "warn", "info",
					     "debug" };

	return l >= 0 && l < 4 ? names[l] : "info";
}

/* Records of device id after seq `after`, oldest first; app < 0 means
 * every app. *out is {"device","records","last_seq","first_seq",
 * "dropped"}; GW_E_NOTFOUND if there is no such device. */
gw_err gw_db_logs_json(struct gw_db *db, const char *id, uint64_t after,
		       int64_t app, uint32_t limit, json_t **out)
{
	sqlite3_stmt *st;
	json_t *recs = NULL, *r;
	uint64_t last = after, first = 0, dropped = 0;
	size_t i;
	gw_err rc = prep(db, &st, "SELECT log_dropped, (SELECT min(seq) FROM"
			 " logs WHERE device_id=?1) FROM devices WHERE id=?1",
			 "t", id);

	if (rc != GW_OK)
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = GW_E_NOTFOUND;
	dropped = (uint64_t)sqlite3_column_int64(st, 0);
	first = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (rc == GW_OK)
		rc = prep(db, &st, "SELECT seq, app_id, time_ms, level, text,"
			  " received_at FROM logs WHERE device_id=? AND seq>?"
			  " AND (?<0 OR app_id=?) ORDER BY seq LIMIT ?",
			  "tuiiu", id, after, app, app, (uint64_t)limit);
	if (rc == GW_OK)
		rc = gw_db_rows_json(db, st, &recs);
	if (rc != GW_OK)
		return rc;
	json_array_foreach(recs, i, r) {
		json_int_t l = json_integer_value(json_object_get(r,
								  "level"));

		json_object_set_new(r, "level", json_string(level_name(l)));
		last = (uint64_t)json_integer_value(json_object_get(r, "seq"));
	}
	*out = json_pack("{s:s,s:o,s:I,s:I,s:I}", "device", id, "records",
			 recs, "last_seq", (json_int_t)last, "first_seq",
			 (json_int_t)first, "dropped", (json_int_t)dropped);
	return *out ? GW_OK : GW_E_NOMEM;
}

/* Revokes and forgets a device: its certificates, records and
 * deployment targets go in the caller's transaction. */
gw_err gw_db_device_delete(struct gw_db *db, const char *id)
{
	static const char *const sql[] = {
		"DELETE FROM certs WHERE device_id=?",
		"DELETE FROM logs WHERE device_id=?",
		"DELETE FROM targets WHERE device=?",
		"DELETE FROM devices WHERE id=?",
	};
	sqlite3_stmt *st;
	size_t i;
	int changed = 0;
	gw_err rc = gw_db_begin(db);

	for (i = 0; rc == GW_OK && i < sizeof(sql) / sizeof(sql[0]); i++) {
		rc = prep(db, &st, sql[i], "t", id);
		if (rc == GW_OK)
			rc = run(db, st, &changed);
	}
	if (rc == GW_OK && changed == 0)
		rc = GW_E_NOTFOUND;
	return end_tx(db, rc);
}

gw_err gw_db_pairing_open(struct gw_db *db, uint64_t until_ms)
{
	uint64_t now = gw_now_ms();
	sqlite3_stmt *st;
	gw_err rc = gw_db_begin(db);

	if (rc != GW_OK)
		return rc;
	rc = prep(db, &st, "UPDATE pairing SET closed_at=? WHERE closed_at"
		  " IS NULL", "u", now);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = prep(db, &st, until_ms == UINT64_MAX
			  ? "INSERT INTO pairing(opened_at) VALUES(?)"
			  : "INSERT INTO pairing(opened_at, until)"
			    " VALUES(?, ?)", until_ms == UINT64_MAX ? "u"
			  : "uu", now, until_ms);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	return end_tx(db, rc);
}

gw_err gw_db_pairing_close(struct gw_db *db)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "UPDATE pairing SET closed_at=? WHERE"
			 " closed_at IS NULL", "u", gw_now_ms());

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_pairing_get(struct gw_db *db, uint64_t *until_ms)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "SELECT until FROM pairing WHERE closed_at"
			 " IS NULL ORDER BY id DESC LIMIT 1", "");

	if (rc != GW_OK)
		return rc;
	*until_ms = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		*until_ms = sqlite3_column_type(st, 0) == SQLITE_NULL
			    ? UINT64_MAX
			    : (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return GW_OK;
}

/* One row as a JSON object; NULL columns become null. */
json_t *gw_db_row_json(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n && o != NULL; i++) {
		const char *k = sqlite3_column_name(st, i);
		json_t *v;

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case SQLITE_TEXT:
			v = json_string((const char *)sqlite3_column_text(st,
									  i));
			break;
		default:
			v = json_null();
		}
		json_object_set_new(o, k, v);
	}
	return o;
}

gw_err gw_db_rows_json(struct gw_db *db, sqlite3_stmt *st, json_t **out)
{
	json_t *arr = json_array();
	int step = SQLITE_DONE;

	while (arr != NULL && (step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, gw_db_row_json(st));
	sqlite3_finalize(st);
	if (arr == NULL)
		return GW_E_NOMEM;
	if (step != SQLITE_DONE) {
		json_decref(arr);
		return fail(db, "rows");
	}
	*out = arr;
	return GW_OK;
}

static json_t *device_row(sqlite3_stmt *st)
{
	json_t *o = gw_db_row_json(st);

	if (o != NULL)
		json_object_set_new(o, "revoked", json_boolean(
			json_integer_value(json_object_get(o, "revoked"))));
	return o;
}

gw_err gw_db_devices_json(struct gw_db *db, const char *id,
			  struct json_t **out)
{
	static const char cols[] =
		"SELECT d.id, d.name, d.state, d.revoked, d.enrolled_at,"
		" d.last_seen, d.board, d.firmware, d.ram, d.flash,"
		" d.features, d.max_frame, d.peer, d.log_seq, d.log_dropped,"
		" (SELECT serial FROM certs WHERE device_id=d.id ORDER BY"
		"  issued_at DESC LIMIT 1) AS cert_serial,"
		" (SELECT not_after FROM certs WHERE device_id=d.id ORDER BY"
		"  issued_at DESC LIMIT 1) AS cert_not_after FROM devices d";
	char sql[1024];
	sqlite3_stmt *st;
	json_t *arr = json_array();
	gw_err rc;

	snprintf(sql, sizeof(sql), "%s%s", cols,
		 id ? " WHERE d.id=?" : " ORDER BY d.enrolled_at");
	rc = id ? prep(db, &st, sql, "t", id) : prep(db, &st, sql, "");
	if (rc != GW_OK || arr == NULL) {
		json_decref(arr);
		return rc != GW_OK ? rc : GW_E_NOMEM;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, device_row(st));
	sqlite3_finalize(st);
	if (id != NULL && json_array_size(arr) == 0) {
		json_decref(arr);
		return GW_E_NOTFOUND;
	}
	*out = arr;
	return GW_OK;
}
