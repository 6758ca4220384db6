/* ctl_lease.c - leader election on a coordination.k8s.io/v1 Lease.
 * SPDX-License-Identifier: Apache-2.0
 * The scheme of Kubernetes client-go's leaderelection: the holder
 * renews the Lease; another replica takes it over when it has not seen
 * it change for a whole lease duration (its own clock only, so clocks
 * need not agree). Optimistic concurrency (resourceVersion) decides
 * races.
 */
#include "ctl.h"

#include <string.h>

#define MOD "lease"
#define LEASE_NAME "wasmbed-controller"
#define DURATION_S 15
#define RENEW_MS 5000u
#define RETRY_MS 2000u

/* Sets holder, times and transitions in spec for us taking over. */
static void claim(struct ctl *c, json_t *spec, int renew_only)
{
	char now[40];

	ctl_rfc3339(ctl_now_ms(), 1, now);
	json_object_set_new(spec, "renewTime", json_string(now));
	if (renew_only)
		return;
	json_object_set_new(spec, "holderIdentity",
			    json_string(c->identity));
	json_object_set_new(spec, "leaseDurationSeconds",
			    json_integer(DURATION_S));
	json_object_set_new(spec, "acquireTime", json_string(now));
	json_object_set_new(spec, "leaseTransitions", json_integer(
		json_integer_value(json_object_get(spec,
						   "leaseTransitions")) + 1));
}

/* Creates the Lease held by us. */
static ctl_err create(struct ctl *c)
{
	char path[1024];
	json_t *l = json_pack("{s:s,s:s,s:{s:s},s:{}}", "apiVersion",
			      "coordination.k8s.io/v1", "kind", "Lease",
			      "metadata", "name", LEASE_NAME, "spec");
	ctl_err rc;

	claim(c, json_object_get(l, "spec"), 0);
	json_object_set_new(json_object_get(l, "spec"), "leaseTransitions",
			    json_integer(0));
	ctl_kube_path(&c->kube, "leases", NULL, NULL, path, sizeof(path));
	rc = ctl_kube_call(&c->kube, "POST", path, l, NULL);
	json_decref(l);
	return rc;
}

/* Decides on an existing Lease: renew ours, wait, or take it over. */
static ctl_err held(struct ctl *c, json_t *l, uint64_t now)
{
	json_t *spec = json_object_get(l, "spec");
	const char *holder = json_string_value(json_object_get(
		spec, "holderIdentity"));
	const char *rv = json_string_value(json_object_get(
		json_object_get(l, "metadata"), "resourceVersion"));
	int mine = holder != NULL && strcmp(holder, c->identity) == 0;
	char path[1024];

	if (rv != NULL && strcmp(rv, c->lease_seen_rv) != 0) {
		snprintf(c->lease_seen_rv, sizeof(c->lease_seen_rv), "%s",
			 rv);
		c->lease_seen = now;
	}
	if (!mine && holder != NULL && holder[0] &&
	    now - c->lease_seen < DURATION_S * 1000u)
		return CTL_E_CONFLICT;
	claim(c, spec, mine);
	ctl_kube_path(&c->kube, "leases", LEASE_NAME, NULL, path,
		      sizeof(path));
	return ctl_kube_call(&c->kube, "PUT", path, l, NULL);
}

/* One round: 1 if we hold the Lease afterwards. */
static int attempt(struct ctl *c, uint64_t now)
{
	char path[1024];
	json_t *l = NULL;
	ctl_err rc;

	ctl_kube_path(&c->kube, "leases", LEASE_NAME, NULL, path,
		      sizeof(path));
	rc = ctl_kube_call(&c->kube, "GET", path, NULL, &l);
	if (rc == CTL_E_NOTFOUND)
		rc = create(c);
	else if (rc == CTL_OK)
		rc = held(c, l, now);
	json_decref(l);
	if (rc == CTL_OK)
		c->lease_renewed = now;
	/* Unsure (no answer): keep leading until the lease would lapse. */
	if (rc == CTL_E_NET || rc == CTL_E_HTTP)
		return c->leader &&
		       now - c->lease_renewed < DURATION_S * 1000u;
	return rc == CTL_OK;
}

void ctl_lease_step(struct ctl *c)
{
	uint64_t now = ctl_mono_ms();
	int was = c->leader;

	if (!c->leader_elect) {
		c->leader = 1;
		return;
	}
	if (now < c->lease_next)
		return;
	c->leader = attempt(c, now);
	c->lease_next = now + (c->leader ? RENEW_MS : RETRY_MS);
	if (c->leader != was)
		ctl_log(CTL_INFO, MOD, "%s %s the leader (%s)", c->identity,
			c->leader ? "is now" : "is no longer", LEASE_NAME);
}

void ctl_lease_release(struct ctl *c)
{
	char path[1024];
	json_t *l = NULL, *spec;
	const char *holder;

	if (!c->leader_elect || !c->leader)
		return;
	ctl_kube_path(&c->kube, "leases", LEASE_NAME, NULL, path,
		      sizeof(path));
	if (ctl_kube_call(&c->kube, "GET", path, NULL, &l) != CTL_OK)
		return;
	spec = json_object_get(l, "spec");
	holder = json_string_value(json_object_get(spec, "holderIdentity"));
	if (holder != NULL && strcmp(holder, c->identity) == 0) {
		json_object_del(spec, "holderIdentity");
		if (ctl_kube_call(&c->kube, "PUT", path, l, NULL) == CTL_OK)
			ctl_log(CTL_INFO, MOD, "released %s", LEASE_NAME);
	}
	json_decref(l);
}
