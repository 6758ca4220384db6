/* gw_db_internal.h - what the registry's files share: handle, helpers.
 * SPDX-License-Identifier: Apache-2.0
 * SQLite (https://sqlite.org/lang.html) in WAL mode; docs/gateway.md.
 */
#ifndef WASMBED_GW_DB_INTERNAL_H
#define WASMBED_GW_DB_INTERNAL_H

#include <sqlite3.h>

#include "gw.h"

struct gw_db {
	sqlite3 *h;
	int depth;  /* nesting of gw_db_begin() */
	int failed; /* something inside the transaction failed */
	uint64_t log_keep;
};

/* Tables of applications, deployments, audit and tokens, appended to
 * the schema of gw_db.c. */
#define GW_DB_SCHEMA_MORE                                               \
	"CREATE TABLE IF NOT EXISTS modules("                            \
	" sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,"              \
	" data BLOB NOT NULL);"                                          \
	"CREATE TABLE IF NOT EXISTS apps("                               \
	" name TEXT NOT NULL, version TEXT NOT NULL,"                   \
	" sha256 TEXT NOT NULL REFERENCES modules(sha256),"             \
	" uploaded_at INTEGER NOT NULL, uploaded_by TEXT,"              \
	" PRIMARY KEY(name, version));"                                  \
	"CREATE TABLE IF NOT EXISTS deployments("                        \
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"                         \
	" app TEXT NOT NULL, version TEXT NOT NULL,"                    \
	" memory_limit INTEGER NOT NULL, fuel_limit INTEGER NOT NULL,"  \
	" autostart INTEGER NOT NULL, removing INTEGER NOT NULL"        \
	" DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER"   \
	" NOT NULL, created_by TEXT);"                                   \
	"CREATE TABLE IF NOT EXISTS targets("                            \
	" deployment INTEGER NOT NULL REFERENCES deployments(id),"      \
	" device TEXT NOT NULL, desired TEXT NOT NULL,"                 \
	" state TEXT NOT NULL DEFAULT 'pending',"                       \
	" have_sha TEXT, started INTEGER NOT NULL DEFAULT 0,"           \
	" bytes INTEGER NOT NULL DEFAULT 0, error TEXT,"                \
	" updated_at INTEGER NOT NULL,"                                  \
	" PRIMARY KEY(deployment, device));"                             \
	"CREATE INDEX IF NOT EXISTS targets_device ON targets(device);"  \
	"CREATE TABLE IF NOT EXISTS audit("                              \
	" id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"   \
	" actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"\
	" target TEXT, detail TEXT);"                                    \
	"CREATE TABLE IF NOT EXISTS tokens("                             \
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"  \
	" hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"       \
	" created_by TEXT, revoked_at INTEGER);"

gw_err gw_db_fail(struct gw_db *db, const char *what);
/* Prepares sql and binds arguments by fmt (see gw_db.c). */
gw_err gw_db_prep(struct gw_db *db, sqlite3_stmt **st, const char *sql,
		  const char *fmt, ...);
/* Steps a statement to its end and finalizes it. */
gw_err gw_db_run_(struct gw_db *db, sqlite3_stmt *st, int *changes);
gw_err gw_db_exec_(struct gw_db *db, const char *sql);
/* One result row as a JSON object, column names as keys. */
struct json_t *gw_db_row_json(sqlite3_stmt *st);
/* Every row of a prepared statement (finalized here) as an array. */
gw_err gw_db_rows_json(struct gw_db *db, sqlite3_stmt *st,
		       struct json_t **out);

#endif
