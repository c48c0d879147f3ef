/*
 * metrics.c - request counters of the listeners and the Prometheus text
 * exposition (format 0.0.4) of everything the appliance counts (see
 * net.h, net_local.h).
 *
 * Every counter is a relaxed atomic, bumped on the worker that answered
 * the request; a scrape reads them one by one, so a scrape taken while
 * requests run may see one counter of a request and not yet another
 * (counters only grow, which is what Prometheus expects).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hsm.h"
#include "net.h"
#include "net_local.h"

/* Statuses counted each in their own slot; the rest go to "other". */
const int http_status_codes[HTTP_STATUS_SLOTS - 1] = {
	200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 406,
	408, 409, 411, 413, 414, 415, 429, 431, 500, 503,
};

/* Latency bucket upper bounds, microseconds (the last bucket is +Inf). */
const uint64_t http_latency_us[HTTP_LATENCY_BUCKETS - 1] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000,
};

/* see net_local.h */
uint64_t
http_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static size_t
status_slot(int status)
{
	size_t	 i;

	for (i = 0; i < HTTP_STATUS_SLOTS - 1; i++)
		if (http_status_codes[i] == status)
			return i;
	return HTTP_STATUS_SLOTS - 1;
}

/* see net_local.h */
void
http_metrics_record(struct http_server *s, int route, int status,
    uint64_t elapsed_us)
{
	struct http_route_ctr	*rc;
	size_t			 b;

	if (route < 0 || (size_t)route >= s->conf.route_count)
		route = (int)s->conf.route_count;	/* unmatched */
	rc = &s->rctr[route];
	atomic_fetch_add_explicit(&rc->rc_status[status_slot(status)], 1,
	    memory_order_relaxed);
	for (b = 0; b < HTTP_LATENCY_BUCKETS - 1 &&
	    elapsed_us > http_latency_us[b]; b++)
		;
	atomic_fetch_add_explicit(&rc->rc_bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&rc->rc_sum_us, elapsed_us,
	    memory_order_relaxed);
}

static const char *
method_label(enum http_req_method m)
{
	switch (m) {
	case HTTP_M_GET: return "GET";
	case HTTP_M_HEAD: return "HEAD";
	case HTTP_M_POST: return "POST";
	case HTTP_M_PUT: return "PUT";
	case HTTP_M_DELETE: return "DELETE";
	default: return "OTHER";
	}
}

/*
 * A label value: backslash, double quote and newline escaped (text
 * format 0.0.4); anything below 0x20 becomes '?'.
 */
static int
put_label(struct buf *out, const char *v)
{
	int	 rc = 0;

	for (; rc == 0 && *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			rc = buf_printf(out, "\\%c", *v);
		else if (*v == '\n')
			rc = buf_add(out, "\\n", 2);
		else if ((unsigned char)*v < 0x20)
			rc = buf_add(out, "?", 1);
		else
			rc = buf_add(out, v, 1);
	}
	return rc;
}

/* {listener="..",method="..",route=".."  (no closing brace) */
static int
put_route_labels(struct buf *out, const struct http_server *s, size_t i)
{
	int	 rc;

	rc = buf_printf(out, "{listener=\"%s\",method=\"", s->name);
	if (rc == 0)
		rc = buf_printf(out, "%s", i < s->conf.route_count ?
		    method_label(s->conf.routes[i].method) : "");
	if (rc == 0)
		rc = buf_add(out, "\",route=\"", 9);
	if (rc == 0)
		rc = i < s->conf.route_count ?
		    put_label(out, s->conf.routes[i].path) :
		    buf_printf(out, "(unmatched)");
	if (rc == 0)
		rc = buf_add(out, "\"", 1);
	return rc;
}

static int
put_requests(struct buf *out, const struct http_server *s)
{
	uint64_t	 n;
	size_t		 i, k;
	int		 rc = 0;

	for (i = 0; rc == 0 && i <= s->conf.route_count; i++) {
		for (k = 0; rc == 0 && k < HTTP_STATUS_SLOTS; k++) {
			n = atomic_load(&s->rctr[i].rc_status[k]);
			if (n == 0)
				continue;
			rc = buf_printf(out, "kms_http_requests_total");
			if (rc == 0)
				rc = put_route_labels(out, s, i);
			if (rc == 0 && k < HTTP_STATUS_SLOTS - 1)
				rc = buf_printf(out, ",status=\"%d\"} %llu\n",
				    http_status_codes[k],
				    (unsigned long long)n);
			else if (rc == 0)
				rc = buf_printf(out, ",status=\"other\"} "
				    "%llu\n", (unsigned long long)n);
		}
	}
	return rc;
}

static int
put_histogram(struct buf *out, const struct http_server *s)
{
	uint64_t	 cum, sum;
	size_t		 i, b;
	int		 rc = 0;

	for (i = 0; rc == 0 && i <= s->conf.route_count; i++) {
		cum = 0;
		for (b = 0; rc == 0 && b < HTTP_LATENCY_BUCKETS; b++) {
			cum += atomic_load(&s->rctr[i].rc_bucket[b]);
			rc = buf_printf(out,
			    "kms_http_request_duration_seconds_bucket");
			if (rc == 0)
				rc = put_route_labels(out, s, i);
			if (rc == 0 && b < HTTP_LATENCY_BUCKETS - 1)
				rc = buf_printf(out, ",le=\"%g\"} %llu\n",
				    (double)http_latency_us[b] / 1e6,
				    (unsigned long long)cum);
			else if (rc == 0)
				rc = buf_printf(out, ",le=\"+Inf\"} %llu\n",
				    (unsigned long long)cum);
		}
		sum = atomic_load(&s->rctr[i].rc_sum_us);
		if (rc == 0)
			rc = buf_printf(out,
			    "kms_http_request_duration_seconds_sum");
		if (rc == 0)
			rc = put_route_labels(out, s, i);
		if (rc == 0)
			rc = buf_printf(out, "} %llu.%06llu\n",
			    (unsigned long long)(sum / 1000000),
			    (unsigned long long)(sum % 1000000));
		if (rc == 0)
			rc = buf_printf(out,
			    "kms_http_request_duration_seconds_count");
		if (rc == 0)
			rc = put_route_labels(out, s, i);
		if (rc == 0)
			rc = buf_printf(out, "} %llu\n",
			    (unsigned long long)cum);
	}
	return rc;
}

/* One counter or gauge family of both listeners. */
static int
put_conn(struct buf *out, const char *name, const char *type,
    const char *help, size_t off)
{
	const struct http_server *const srvs[] = { net_kms_srv,
	    net_admin_srv };
	const struct http_server	*s;
	size_t				 i;
	int				 rc;

	rc = buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
	for (i = 0; rc == 0 && i < sizeof(srvs) / sizeof(srvs[0]); i++) {
		if ((s = srvs[i]) == NULL)
			continue;
		if (off == offsetof(struct net_counters, active))
			rc = buf_printf(out, "%s{listener=\"%s\"} %u\n", name,
			    s->name, atomic_load(&s->ctr.active));
		else
			rc = buf_printf(out, "%s{listener=\"%s\"} %llu\n",
			    name, s->name, (unsigned long long)atomic_load(
			    (const _Atomic uint64_t *)(const void *)
			    ((const char *)&s->ctr + off)));
	}
	return rc;
}

/* see net.h */
int
net_metrics(struct buf *out)
{
	const struct http_server *const srvs[] = { net_kms_srv,
	    net_admin_srv };
	struct hsm_stats	 hs;
	const char		*state;
	size_t			 i;
	int			 rc;

	rc = buf_printf(out, "# HELP kms_http_requests_total HTTP requests "
	    "answered, by listener, method, route and status.\n"
	    "# TYPE kms_http_requests_total counter\n");
	for (i = 0; rc == 0 && i < 2; i++)
		if (srvs[i] != NULL)
			rc = put_requests(out, srvs[i]);
	if (rc == 0)
		rc = buf_printf(out, "# HELP kms_http_request_duration_seconds "
		    "Time from a request's first byte to its answer written."
		    "\n# TYPE kms_http_request_duration_seconds histogram\n");
	for (i = 0; rc == 0 && i < 2; i++)
		if (srvs[i] != NULL)
			rc = put_histogram(out, srvs[i]);
	if (rc == 0)
		rc = put_conn(out, "kms_http_connections_accepted_total",
		    "counter", "TCP connections accepted.",
		    offsetof(struct net_counters, accepted));
	if (rc == 0)
		rc = put_conn(out, "kms_http_rejected_busy_total", "counter",
		    "Connections refused because every worker was busy.",
		    offsetof(struct net_counters, rejected_busy));
	if (rc == 0)
		rc = put_conn(out, "kms_http_timeouts_total", "counter",
		    "Connections that timed out (idle or incomplete).",
		    offsetof(struct net_counters, timeouts));
	if (rc == 0)
		rc = put_conn(out, "kms_http_bad_requests_total", "counter",
		    "Requests the parser refused (4xx) and failed TLS "
		    "handshakes.", offsetof(struct net_counters,
		    bad_requests));
	if (rc == 0)
		rc = put_conn(out, "kms_http_connections_active", "gauge",
		    "Connections being served now.",
		    offsetof(struct net_counters, active));

	hsm_stats(&hs);
	if (rc == 0)
		rc = buf_printf(out, "# HELP kms_hsm_operations_total HSM "
		    "token operations (sessions used).\n"
		    "# TYPE kms_hsm_operations_total counter\n"
		    "kms_hsm_operations_total %llu\n"
		    "# HELP kms_hsm_errors_total HSM token operations that "
		    "failed.\n"
		    "# TYPE kms_hsm_errors_total counter\n"
		    "kms_hsm_errors_total %llu\n"
		    "# HELP kms_hsm_secmem_bytes Locked memory in use for "
		    "secrets.\n"
		    "# TYPE kms_hsm_secmem_bytes gauge\n"
		    "kms_hsm_secmem_bytes %zu\n",
		    (unsigned long long)hs.hs_ops,
		    (unsigned long long)hs.hs_errors, hsm_secmem_used());
	state = net_state_fn != NULL ? net_state_fn(net_state_arg) : NULL;
	if (rc == 0 && state != NULL) {
		rc = buf_printf(out, "# HELP kms_state The appliance state "
		    "(the word the console and the panel show).\n"
		    "# TYPE kms_state gauge\nkms_state{state=\"");
		if (rc == 0)
			rc = put_label(out, state);
		if (rc == 0)
			rc = buf_printf(out, "\"} 1\n");
	}
	return rc;
}

/* see net.h */
int
net_metrics_handler(const struct http_request *req,
    struct http_response *res, void *arg)
{
	if (net_metrics(&res->body) != 0) {
		log_warnx("metrics: exposition larger than %d bytes",
		    NET_RESPONSE_BYTES_MAX);
		return -1;
	}
	res->status = 200;
	res->content_type = NET_METRICS_CONTENT_TYPE;
	return 0;
}
