/* gw_db_apps.c - registry of modules, applications and deployments.
 * SPDX-License-Identifier: Apache-2.0
 * Desired and reported state of docs/api.md "Deployments", in SQLite
 * (https://sqlite.org/lang.html) inside the registry of gw_db.c.
 */
#include "gw.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gw_db_internal.h"

#define prep gw_db_prep
#define run gw_db_run_

/* What "this target has reached its desired state" means, in SQL over
 * targets t and apps a. */
#define CONVERGED                                                       \
	"(CASE t.desired WHEN 'absent' THEN t.state='absent'"           \
	" WHEN 'installed' THEN t.state='installed' AND"                \
	" t.have_sha IS a.sha256 ELSE t.have_sha IS a.sha256 AND"       \
	" (t.state='running' OR (t.state='installed' AND t.started)) END)"

/* The state shown for a target: an old version's state is pending. */
#define SHOWN_STATE                                                     \
	"(CASE WHEN t.desired!='absent' AND t.state IN"                 \
	" ('installed','running') AND t.have_sha IS NOT a.sha256"        \
	" THEN 'pending' ELSE t.state END)"

static gw_err one_row(struct gw_db *db, sqlite3_stmt *st, int *found)
{
	int step = sqlite3_step(st);

	*found = step == SQLITE_ROW;
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		sqlite3_finalize(st);
		return gw_db_fail(db, "step");
	}
	return GW_OK;
}

/* ---- modules and applications ---- */

static gw_err module_put(struct gw_db *db, const char *sha,
			 const uint8_t *data, size_t len)
{
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, "INSERT OR IGNORE INTO modules VALUES(?,"
			 " ?, ?)", "tub", sha, (uint64_t)len, data, len);

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

gw_err gw_db_app_put(struct gw_db *db, const char *name,
		     const char *version, const char *sha,
		     const uint8_t *data, size_t len, const char *by,
		     int *created)
{
	sqlite3_stmt *st;
	int found = 0;
	gw_err rc = prep(db, &st, "SELECT sha256 FROM apps WHERE name=? AND"
			 " version=?", "tt", name, version);

	*created = 0;
	if (rc == GW_OK)
		rc = one_row(db, st, &found);
	if (rc != GW_OK)
		return rc;
	if (found) {
		rc = strcmp((const char *)sqlite3_column_text(st, 0), sha)
		     ? GW_E_CONFLICT : GW_OK;
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);

	/* The bytes are kept once, whatever names they carry. */
	rc = module_put(db, sha, data, len);
	if (rc == GW_OK)
		rc = prep(db, &st, "INSERT INTO apps VALUES(?, ?, ?, ?, ?)",
			  "tttut", name, version, sha, gw_now_ms(), by);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	*created = rc == GW_OK;
	return rc;
}

gw_err gw_db_apps_json(struct gw_db *db, const char *name,
		       const char *version, json_t **out)
{
	static const char sql[] =
		"SELECT a.name, a.version, m.size, a.sha256, a.uploaded_at,"
		" a.uploaded_by FROM apps a JOIN modules m ON"
		" m.sha256=a.sha256 WHERE (?1 IS NULL OR a.name=?1) AND"
		" (?2 IS NULL OR a.version=?2) ORDER BY a.name,"
		" a.uploaded_at";
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, sql, "tt", name, version);

	if (rc == GW_OK)
		rc = gw_db_rows_json(db, st, out);
	if (rc == GW_OK && name != NULL && json_array_size(*out) == 0) {
		json_decref(*out);
		rc = GW_E_NOTFOUND;
	}
	return rc;
}

gw_err gw_db_app_delete(struct gw_db *db, const char *name,
			const char *version)
{
	sqlite3_stmt *st;
	int found = 0, changed = 0;
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = prep(db, &st, "SELECT 1 FROM deployments WHERE app=? AND"
			  " version=?", "tt", name, version);
	if (rc == GW_OK && (rc = one_row(db, st, &found)) == GW_OK)
		sqlite3_finalize(st);
	if (rc == GW_OK && found)
		rc = GW_E_CONFLICT;
	if (rc == GW_OK)
		rc = prep(db, &st, "DELETE FROM apps WHERE name=? AND"
			  " version=?", "tt", name, version);
	if (rc == GW_OK)
		rc = run(db, st, &changed);
	if (rc == GW_OK && changed == 0)
		rc = GW_E_NOTFOUND;

	/* Bytes no version names any more go too. */
	if (rc == GW_OK)
		rc = gw_db_exec_(db, "DELETE FROM modules WHERE sha256 NOT IN"
				 " (SELECT sha256 FROM apps)");
	return gw_db_end(db, rc);
}

gw_err gw_db_module_get(struct gw_db *db, const char *sha, uint8_t **data,
			size_t *len)
{
	sqlite3_stmt *st;
	int found = 0;
	gw_err rc = prep(db, &st, "SELECT data FROM modules WHERE sha256=?",
			 "t", sha);

	if (rc == GW_OK)
		rc = one_row(db, st, &found);
	if (rc != GW_OK)
		return rc;
	rc = found ? GW_OK : GW_E_NOTFOUND;
	*len = found ? (size_t)sqlite3_column_bytes(st, 0) : 0;
	*data = found ? malloc(*len ? *len : 1) : NULL;
	if (found && *data == NULL)
		rc = GW_E_NOMEM;
	if (rc == GW_OK)
		memcpy(*data, sqlite3_column_blob(st, 0), *len);
	sqlite3_finalize(st);
	return rc;
}

/* ---- deployments ---- */

/* GW_OK if every device exists, is not revoked and appears once. */
static gw_err check_devices(struct gw_db *db, const struct gw_dep_spec *s,
			    char *err, size_t cap)
{
	sqlite3_stmt *st;
	size_t i, j;
	int found;
	gw_err rc = GW_OK;

	for (i = 0; rc == GW_OK && i < s->n_devices; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(s->devices[i], s->devices[j]) == 0) {
				snprintf(err, cap, "device %s is listed twice"
					 " in \"devices\"", s->devices[i]);
				return GW_E_INVALID;
			}
		rc = prep(db, &st, "SELECT revoked FROM devices WHERE id=?",
			  "t", s->devices[i]);
		if (rc == GW_OK)
			rc = one_row(db, st, &found);
		if (rc != GW_OK)
			return rc;
		if (!found || sqlite3_column_int(st, 0))
			snprintf(err, cap, "device %s %s", s->devices[i],
				 found ? "is revoked" : "is not enrolled here"
				 " (see GET /api/v1/devices)");
		if (!found || sqlite3_column_int(st, 0))
			rc = GW_E_INVALID;
		sqlite3_finalize(st);
	}
	return rc;
}

static gw_err check_version(struct gw_db *db, const char *app,
			    const char *version, char *err, size_t cap)
{
	sqlite3_stmt *st;
	int found = 0;
	gw_err rc = prep(db, &st, "SELECT 1 FROM apps WHERE name=? AND"
			 " version=?", "tt", app, version);

	if (rc == GW_OK && (rc = one_row(db, st, &found)) == GW_OK)
		sqlite3_finalize(st);
	if (rc == GW_OK && !found) {
		snprintf(err, cap, "no application %s version %s: upload it"
			 " first (POST /api/v1/apps)", app, version);
		rc = GW_E_NOTFOUND;
	}
	return rc;
}

/* Makes each listed device a target wanting the app (again). */
static gw_err add_targets(struct gw_db *db, int64_t id,
			  const struct gw_dep_spec *s, const char *desired)
{
	sqlite3_stmt *st;
	size_t i;
	gw_err rc = GW_OK;

	for (i = 0; rc == GW_OK && i < s->n_devices; i++) {
		rc = prep(db, &st, "INSERT INTO targets(deployment, device,"
			  " desired, updated_at) VALUES(?1, ?2, ?3, ?4) ON"
			  " CONFLICT DO UPDATE SET desired=?3, started=0"
			  " WHERE desired='absent'", "ittu", id,
			  s->devices[i], desired, gw_now_ms());
		if (rc == GW_OK)
			rc = run(db, st, NULL);
	}
	return rc;
}

gw_err gw_db_dep_create(struct gw_db *db, const struct gw_dep_spec *s,
			const char *by, int64_t *id, char *err, size_t cap)
{
	sqlite3_stmt *st;
	uint64_t now = gw_now_ms();
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = check_version(db, s->app, s->version, err, cap);
	if (rc == GW_OK)
		rc = check_devices(db, s, err, cap);
	if (rc == GW_OK)
		rc = prep(db, &st, "INSERT INTO deployments(app, version,"
			  " memory_limit, fuel_limit, autostart, created_at,"
			  " updated_at, created_by) VALUES(?, ?, ?, ?, ?, ?,"
			  " ?, ?)", "ttuuiuut", s->app, s->version,
			  s->memory_limit, s->fuel_limit,
			  (int64_t)s->autostart, now, now, by);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK) {
		*id = sqlite3_last_insert_rowid(db->h);
		rc = add_targets(db, *id, s, s->autostart ? "running"
							  : "installed");
	}
	return gw_db_end(db, rc);
}

/* The deployment's app name and whether it is being removed. */
static gw_err dep_get(struct gw_db *db, int64_t id, char app[65],
		      int *removing, int *autostart)
{
	sqlite3_stmt *st;
	int found = 0;
	gw_err rc = prep(db, &st, "SELECT app, removing, autostart FROM"
			 " deployments WHERE id=?", "i", id);

	if (rc == GW_OK)
		rc = one_row(db, st, &found);
	if (rc != GW_OK)
		return rc;
	if (found) {
		snprintf(app, 65, "%s", sqlite3_column_text(st, 0));
		*removing = sqlite3_column_int(st, 1);
		*autostart = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return found ? GW_OK : GW_E_NOTFOUND;
}

/* Runs one "UPDATE ... WHERE deployment=?"-style statement. */
static gw_err upd(struct gw_db *db, const char *sql, const char *fmt,
		  int64_t a, int64_t id)
{
	sqlite3_stmt *st;
	gw_err rc = fmt[1] ? prep(db, &st, sql, fmt, a, id)
			   : prep(db, &st, sql, fmt, id);

	return rc == GW_OK ? run(db, st, NULL) : rc;
}

/* Devices left out of a new set stop being targets. */
static gw_err drop_targets(struct gw_db *db, int64_t id,
			   const struct gw_dep_spec *s)
{
	char **have = NULL;
	size_t i, j;
	sqlite3_stmt *st;
	gw_err rc = gw_db_dep_devices(db, id, &have);

	for (i = 0; rc == GW_OK && have[i] != NULL; i++) {
		for (j = 0; j < s->n_devices; j++)
			if (strcmp(have[i], s->devices[j]) == 0)
				break;
		if (j < s->n_devices)
			continue;
		rc = prep(db, &st, "UPDATE targets SET desired='absent'"
			  " WHERE deployment=? AND device=?", "it", id,
			  have[i]);
		if (rc == GW_OK)
			rc = run(db, st, NULL);
	}
	gw_strv_free(have);
	return rc;
}

/* Applies the fields a PATCH gave, but version and desired state,
 * which gw_db_dep_update() sets. */
static gw_err apply_update(struct gw_db *db, int64_t id,
			   const struct gw_dep_spec *s, int autostart)
{
	gw_err rc = upd(db, "UPDATE deployments SET updated_at=? WHERE id=?",
			"ii", (int64_t)gw_now_ms(), id);

	if (rc == GW_OK && s->has_memory)
		rc = upd(db, "UPDATE deployments SET memory_limit=? WHERE"
			 " id=?", "ii", (int64_t)s->memory_limit, id);
	if (rc == GW_OK && s->has_fuel)
		rc = upd(db, "UPDATE deployments SET fuel_limit=? WHERE id=?",
			 "ii", (int64_t)s->fuel_limit, id);
	if (rc == GW_OK && s->has_autostart)
		rc = upd(db, "UPDATE deployments SET autostart=? WHERE id=?",
			 "ii", (int64_t)autostart, id);

	/* New limits need a new deploy even for the same bytes. */
	if (rc == GW_OK && (s->has_memory || s->has_fuel))
		rc = upd(db, "UPDATE targets SET have_sha=NULL WHERE"
			 " deployment=?", "i", 0, id);
	if (rc == GW_OK && (s->has_version || s->has_autostart ||
			    s->has_memory || s->has_fuel))
		rc = upd(db, "UPDATE targets SET started=0 WHERE"
			 " deployment=? AND desired!='absent'", "i", 0, id);
	if (rc == GW_OK && s->has_devices)
		rc = drop_targets(db, id, s);
	if (rc == GW_OK && s->has_devices)
		rc = add_targets(db, id, s, autostart ? "running"
						      : "installed");
	return rc;
}

gw_err gw_db_dep_update(struct gw_db *db, int64_t id,
			const struct gw_dep_spec *s, char *err,
			size_t cap)
{
	char app[65];
	int removing = 0, autostart = 0;
	sqlite3_stmt *st;
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = dep_get(db, id, app, &removing, &autostart);
	if (rc == GW_OK && removing) {
		snprintf(err, cap, "deployment %lld is being removed",
			 (long long)id);
		rc = GW_E_CONFLICT;
	}
	if (rc == GW_OK && s->has_version)
		rc = check_version(db, app, s->version, err, cap);
	if (rc == GW_OK && s->has_devices)
		rc = check_devices(db, s, err, cap);
	if (s->has_autostart)
		autostart = s->autostart;
	if (rc == GW_OK)
		rc = apply_update(db, id, s, autostart);

	/* Version and desired state, which take text. */
	if (rc == GW_OK && s->has_version)
		rc = prep(db, &st, "UPDATE deployments SET version=? WHERE"
			  " id=?", "ti", s->version, id);
	if (rc == GW_OK && s->has_version)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = prep(db, &st, "UPDATE targets SET desired=? WHERE"
			  " deployment=? AND desired!='absent'", "ti",
			  autostart ? "running" : "installed", id);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	return gw_db_end(db, rc);
}

/* Forgets a removing deployment that has no target left. */
static gw_err dep_purge_if_done(struct gw_db *db, int64_t id)
{
	return upd(db, "DELETE FROM deployments WHERE id=?1 AND removing"
		   " AND NOT EXISTS (SELECT 1 FROM targets WHERE"
		   " deployment=?1)", "i", 0, id);
}

gw_err gw_db_dep_delete(struct gw_db *db, int64_t id)
{
	char app[65];
	int removing = 0, autostart = 0;
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = dep_get(db, id, app, &removing, &autostart);
	if (rc == GW_OK)
		rc = upd(db, "UPDATE deployments SET removing=1, updated_at=?"
			 " WHERE id=?", "ii", (int64_t)gw_now_ms(), id);
	if (rc == GW_OK)
		rc = upd(db, "UPDATE targets SET desired='absent' WHERE"
			 " deployment=?", "i", 0, id);
	if (rc == GW_OK)
		rc = upd(db, "DELETE FROM targets WHERE deployment=? AND"
			 " state IN ('absent','pending') AND have_sha IS"
			 " NULL AND bytes=0", "i", 0, id);
	if (rc == GW_OK)
		rc = dep_purge_if_done(db, id);
	return gw_db_end(db, rc);
}

gw_err gw_db_targets_json(struct gw_db *db, int64_t dep,
			  const char *device, json_t **out)
{
	static const char sql[] =
		"SELECT t.device, t.deployment, t.deployment AS app_id,"
		" d.app, d.version, t.desired, " SHOWN_STATE " AS state,"
		" t.bytes, t.error, t.updated_at FROM targets t JOIN"
		" deployments d ON d.id=t.deployment JOIN apps a ON"
		" a.name=d.app AND a.version=d.version WHERE"
		" (?1 < 0 OR t.deployment=?1) AND (?2 IS NULL OR"
		" t.device=?2) ORDER BY t.deployment, t.device";
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, sql, "it", dep, device);

	return rc == GW_OK ? gw_db_rows_json(db, st, out) : rc;
}

/* {"pending":n,...} of a deployment's targets, by shown state. */
static json_t *dep_counts(struct gw_db *db, int64_t id)
{
	static const char *const states[] = { "pending", "receiving",
		"installed", "running", "failed", "absent" };
	sqlite3_stmt *st;
	json_t *c = json_object();
	size_t i;

	for (i = 0; c != NULL && i < 6; i++)
		json_object_set_new(c, states[i], json_integer(0));
	if (prep(db, &st, "SELECT " SHOWN_STATE ", count(*) FROM targets t"
		 " JOIN deployments d ON d.id=t.deployment JOIN apps a ON"
		 " a.name=d.app AND a.version=d.version WHERE"
		 " t.deployment=? GROUP BY 1", "i", id) != GW_OK)
		return c;
	while (c != NULL && sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(c, (const char *)sqlite3_column_text(st,
									 0),
				    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	return c;
}

/* Adds state, counts and (if asked) targets to a deployment row. */
static gw_err dep_finish(struct gw_db *db, json_t *d, int targets)
{
	json_int_t id = json_integer_value(json_object_get(d, "id"));
	int removing = json_integer_value(json_object_get(d, "removing"));
	json_int_t failed = json_integer_value(json_object_get(d,
							       "n_failed"));
	json_int_t open = json_integer_value(json_object_get(d, "n_open"));
	json_t *t = NULL;

	json_object_set_new(d, "state", json_string(
		removing ? "removing" : failed ? "failed"
		: open ? "progressing" : "converged"));
	json_object_set_new(d, "autostart", json_boolean(
		json_integer_value(json_object_get(d, "autostart"))));
	json_object_del(d, "removing");
	json_object_del(d, "n_failed");
	json_object_del(d, "n_open");
	json_object_set_new(d, "counts", dep_counts(db, id));
	if (!targets)
		return GW_OK;
	if (gw_db_targets_json(db, id, NULL, &t) != GW_OK)
		return GW_E_DB;
	json_object_set_new(d, "devices", t);
	return GW_OK;
}

gw_err gw_db_deps_json(struct gw_db *db, int64_t id, int targets,
		       json_t **out)
{
	static const char sql[] =
		"SELECT d.id, d.app, d.version, a.sha256, m.size,"
		" d.memory_limit, d.fuel_limit, d.autostart, d.removing,"
		" d.created_at, d.updated_at, d.created_by,"
		" (SELECT count(*) FROM targets t WHERE t.deployment=d.id"
		"  AND t.state='failed') AS n_failed,"
		" (SELECT count(*) FROM targets t WHERE t.deployment=d.id"
		"  AND NOT " CONVERGED ") AS n_open"
		" FROM deployments d JOIN apps a ON a.name=d.app AND"
		" a.version=d.version JOIN modules m ON m.sha256=a.sha256"
		" WHERE ?1 < 0 OR d.id=?1 ORDER BY d.id";
	sqlite3_stmt *st;
	json_t *d;
	size_t i;
	gw_err rc = prep(db, &st, sql, "i", id);

	if (rc == GW_OK)
		rc = gw_db_rows_json(db, st, out);
	if (rc != GW_OK)
		return rc;
	json_array_foreach(*out, i, d)
		if (rc == GW_OK)
			rc = dep_finish(db, d, targets);
	if (rc == GW_OK && id >= 0 && json_array_size(*out) == 0)
		rc = GW_E_NOTFOUND;
	if (rc != GW_OK)
		json_decref(*out);
	return rc;
}

/* ---- the device driver's side ---- */

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static void target_row(sqlite3_stmt *st, struct gw_target *t)
{
	t->dep = (uint32_t)sqlite3_column_int64(st, 0);
	copy_col(st, 1, t->app, sizeof(t->app));
	copy_col(st, 2, t->version, sizeof(t->version));
	copy_col(st, 3, t->sha, sizeof(t->sha));
	t->size = (uint32_t)sqlite3_column_int64(st, 4);
	t->memory_limit = (uint32_t)sqlite3_column_int64(st, 5);
	t->fuel_limit = (uint64_t)sqlite3_column_int64(st, 6);
	copy_col(st, 7, t->desired, sizeof(t->desired));
	copy_col(st, 8, t->state, sizeof(t->state));
	copy_col(st, 9, t->have_sha, sizeof(t->have_sha));
	t->started = sqlite3_column_int(st, 10);
}

gw_err gw_db_targets_of(struct gw_db *db, const char *device,
			struct gw_target **out, size_t *n)
{
	static const char sql[] =
		"SELECT t.deployment, d.app, d.version, a.sha256, m.size,"
		" d.memory_limit, d.fuel_limit, t.desired, t.state,"
		" t.have_sha, t.started FROM targets t JOIN deployments d"
		" ON d.id=t.deployment JOIN apps a ON a.name=d.app AND"
		" a.version=d.version JOIN modules m ON m.sha256=a.sha256"
		" WHERE t.device=? ORDER BY t.deployment";
	struct gw_target *arr = NULL, *grown;
	size_t cap = 0, used = 0;
	sqlite3_stmt *st;
	gw_err rc = prep(db, &st, sql, "t", device);

	while (rc == GW_OK && sqlite3_step(st) == SQLITE_ROW) {
		if (used == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(arr, cap * sizeof(*arr));
			if (grown == NULL) {
				rc = GW_E_NOMEM;
				break;
			}
			arr = grown;
		}
		target_row(st, &arr[used++]);
	}
	if (st != NULL && rc != GW_E_DB)
		sqlite3_finalize(st);
	if (rc != GW_OK) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = used;
	return GW_OK;
}

gw_err gw_db_target_report(struct gw_db *db, const char *device,
			   uint32_t dep, const char *state, uint32_t bytes,
			   const char *error, const char *have_sha,
			   int started)
{
	sqlite3_stmt *st;
	int changed = 0;
	gw_err rc;

	/* What a device reports is observed, not acknowledged: it need
	 * not wait for the disk (kill -9 loses nothing the kernel holds;
	 * the device reports again after a power cut). */
	gw_db_exec_(db, "PRAGMA synchronous=NORMAL");

	/* A failure reported without a reason keeps the one known. */
	rc = prep(db, &st, "UPDATE targets SET state=?1, bytes=CASE"
			 " WHEN ?2<0 THEN bytes ELSE ?2 END, error=CASE WHEN"
			 " ?3 IS NULL AND ?1='failed' THEN error ELSE ?3 END,"
			 " updated_at=?4, have_sha=CASE WHEN ?5 IS NULL THEN"
			 " have_sha WHEN ?5='' THEN NULL ELSE ?5 END,"
			 " started=CASE WHEN ?6<0 THEN started ELSE ?6 END"
			 " WHERE deployment=?7 AND device=?8", "titutiit",
			 state, bytes == UINT32_MAX ? (int64_t)-1
			 : (int64_t)bytes, error, gw_now_ms(), have_sha,
			 (int64_t)started, (int64_t)dep, device);
	if (rc == GW_OK)
		rc = run(db, st, &changed);
	gw_db_exec_(db, "PRAGMA synchronous=FULL");
	return rc == GW_OK && changed == 0 ? GW_E_NOTFOUND : rc;
}

gw_err gw_db_target_purge(struct gw_db *db, const char *device,
			  uint32_t dep)
{
	sqlite3_stmt *st;
	gw_err rc = gw_db_begin(db);

	if (rc == GW_OK)
		rc = prep(db, &st, "DELETE FROM targets WHERE deployment=?"
			  " AND device=?", "it", (int64_t)dep, device);
	if (rc == GW_OK)
		rc = run(db, st, NULL);
	if (rc == GW_OK)
		rc = dep_purge_if_done(db, dep);
	return gw_db_end(db, rc);
}

void gw_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

gw_err gw_db_dep_devices(struct gw_db *db, int64_t dep, char ***out)
{
	sqlite3_stmt *st;
	char **v = NULL, **grown;
	size_t n = 0;
	gw_err rc = prep(db, &st, "SELECT device FROM targets WHERE"
			 " deployment=?", "i", dep);

	while (rc == GW_OK && sqlite3_step(st) == SQLITE_ROW) {
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (grown == NULL) {
			rc = GW_E_NOMEM;
			break;
		}
		v = grown;
		v[n] = strdup((const char *)sqlite3_column_text(st, 0));
		v[++n] = NULL;
	}
	if (rc != GW_E_DB)
		sqlite3_finalize(st);
	if (rc == GW_OK && v == NULL)
		v = calloc(1, sizeof(*v));
	if (rc == GW_OK && v == NULL)
		rc = GW_E_NOMEM;
	if (rc != GW_OK)
		gw_strv_free(v);
	*out = rc == GW_OK ? v : NULL;
	return rc;
}
