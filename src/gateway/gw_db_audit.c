/* gw_db_audit.c - registry of the audit trail, API tokens and figures.
 * SPDX-License-Identifier: Apache-2.0
 * docs/api.md "Audit", "Tokens" and "GET /metrics", in SQLite.
 */
#include "gw.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gw_db_internal.h"

#define prep gw_db_prep
#define run gw_db_run_

gw_err gw_db_audit(struct gw_db *db, const char *actor, const char *role,
		   const char *action, const char *target, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "INSERT INTO audit(at, actor, role, action,"
			 " target, detail) VALUES(?, ?, ?, ?, ?, ?)",
			 "uttttt", gw_now_ms(), actor, role, action, target,
			 text);

	free(text);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		gw_log(GW_INFO, "audit", "%s (%s): %s %s", actor, role, action,
		       target ? target : "");
	return rc;
}

gw_err gw_db_audit_json(struct gw_db *db, int64_t after, uint32_t limit,
			json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr = NULL, *e, *d;
	json_int_t last = after;
	size_t i;
	gw_err rc = prep(db, &st, "SELECT id, at, actor, role, action, target,"
			 " detail FROM audit WHERE id>? ORDER BY id LIMIT ?",
			 "iu", after, (uint64_t)limit);

	if (rc == GW_OK)
		rc = gw_db_rows_json(db, st, &arr);
	if (rc != GW_OK)
		return rc;

	/* detail was stored as JSON text: give it back as JSON. */
	json_array_foreach(arr, i, e) {
		const char *t = json_string_value(json_object_get(e,
								  "detail"));

		d = t ? json_loads(t, 0, NULL) : NULL;
		json_object_set_new(e, "detail", d ? d : json_null());
		last = json_integer_value(json_object_get(e, "id"));
	}
	*out = json_pack("{s:o,s:I}", "entries", arr, "last_id", last);
	return *out ? GW_OK : GW_E_NOMEM;
}

gw_err gw_db_token_add(struct gw_db *db, const char *id, const char *name,
		       const char *role, const char *hash, const char *by)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "INSERT INTO tokens(id, name, role, hash,"
			 " created_at, created_by) VALUES(?, ?, ?, ?, ?, ?)",
			 "ttttut", id, name, role, hash, gw_now_ms(), by);

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_token_find(struct gw_db *db, const char *hash,
			char name[65], char role[12])
{
	sqlite3_stmt *st;
	int step;
	gw_err rc = prep(db, &st, "SELECT name, role FROM tokens WHERE"
			 " hash=? AND revoked_at IS NULL", "t", hash);

	if (rc != GW_OK)
		return rc;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(name, 65, "%s", sqlite3_column_text(st, 0));
		snprintf(role, 12, "%s", sqlite3_column_text(st, 1));
	}
	rc = step == SQLITE_ROW ? GW_OK : step == SQLITE_DONE
	     ? GW_E_NOTFOUND : gw_db_fail(db, "token");
	sqlite3_finalize(st);
	return rc;
}

gw_err gw_db_tokens_json(struct gw_db *db, json_t **out)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "SELECT 'admin' AS id, 'admin' AS name,"
			 " 'admin' AS role, NULL AS created_at, NULL AS"
			 " created_by, NULL AS revoked_at UNION ALL SELECT"
			 " id, name, role, created_at, created_by, revoked_at"
			 " FROM tokens", "");

	return rc == GW_OK ? gw_db_rows_json(db, st, out) : rc;
}

gw_err gw_db_token_revoke(struct gw_db *db, const char *id)
{
	sqlite3_stmt *st;
	int changed = 0;
	gw_err rc = prep(db, &st, "UPDATE tokens SET revoked_at=coalesce("
			 "revoked_at, ?) WHERE id=?", "ut", gw_now_ms(), id);

	if (rc == GW_OK)
		rc = run(db, st, &changed);
	return rc == GW_OK && changed == 0 ? GW_E_NOTFOUND : rc;
}

/* {key: count} from a "SELECT key, count" statement, over zeroes for
 * the keys listed. */
static json_t *counts(struct gw_db *db, const char *sql,
		      const char *const *keys)
{
	sqlite3_stmt *st;
	json_t *o = json_object();

	for (; o != NULL && *keys != NULL; keys++)
		json_object_set_new(o, *keys, json_integer(0));
	if (o == NULL || prep(db, &st, sql, "") != GW_OK)
		return o;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_type(st, 0) == SQLITE_TEXT)
			json_object_set_new(o, (const char *)
					    sqlite3_column_text(st, 0),
					    json_integer(sqlite3_column_int64(
						    st, 1)));
	sqlite3_finalize(st);
	return o;
}

gw_err gw_db_metrics_json(struct gw_db *db, json_t **out)
{
	static const char *const dev[] = { "enrolled", "connected",
		"disconnected", "unreachable", "revoked", NULL };
	static const char *const tgt[] = { "pending", "receiving",
		"installed", "running", "failed", "absent", NULL };
	static const char *const dep[] = { "progressing", "converged",
		"failed", "removing", NULL };
	json_t *deps = NULL;
	json_t *d, *by = counts(db, "SELECT 1, 1 WHERE 0", dep);
	size_t i;
	sqlite3_stmt *st;
	json_int_t dropped = 0;

	if (gw_db_deps_json(db, -1, 0, &deps) == GW_OK)
		json_array_foreach(deps, i, d) {
			const char *s = json_string_value(
				json_object_get(d, "state"));
			json_t *n = json_object_get(by, s);

			if (n != NULL)
				json_integer_set(n, json_integer_value(n) + 1);
		}
	json_decref(deps);
	if (prep(db, &st, "SELECT coalesce(sum(log_dropped), 0) FROM"
		 " devices", "") == GW_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			dropped = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	*out = json_pack("{s:o,s:o,s:o,s:I}", "devices",
			 counts(db, "SELECT CASE WHEN revoked THEN 'revoked'"
				" ELSE state END, count(*) FROM devices GROUP"
				" BY 1", dev),
			 "targets", counts(db, "SELECT state, count(*) FROM"
					   " targets GROUP BY 1", tgt),
			 "deployments", by, "log_dropped", dropped);
	return *out ? GW_OK : GW_E_NOMEM;
}
