/*
 * test_mikey_tshark.c - an independent oracle for the MIKEY encoder:
 * Wireshark's MIKEY dissector (tshark).
 *
 * Each message is built with mk_encode() / mk_error_build() from
 * field values, written as one UDP datagram to port 2269 (the port
 * Wireshark's MIKEY dissector binds, `tshark -G decodes`) in a pcap file
 * made here, and dissected with
 *
 *	tshark -r F -d udp.port==2269,mikey -T fields -e mikey.<field> ...
 *
 * The printed values must equal the values encoded.  tshark 4.0 does not
 * dissect the RFC 6043 payloads (TR, RANDR, TP, TICKET) and stops silently
 * at the first one (mikey-ticket.md 11.1), so each message is checked up to
 * there, and the fields after it are asserted to be absent, which proves
 * the check ran where expected.
 *
 * Exit 0: all equal; 1: a difference (printed); 77: tshark is not
 * installed (ctest SKIP_RETURN_CODE).
 *
 * Usage: test_mikey_tshark [-k]	(-k keeps the pcap and prints its path)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ticket.h"

#define SKIP		77
#define MK_PORT	2269	/* udp.port of the MIKEY dissector */
#define MSGS_MAX	8
#define FIELDS_MAX	48
#define VAL_MAX		1024	/* one printed field value */
#define LINE_MAX_T	16384	/* one tshark output line */
#define NTP_UNIX_DIFF	2208988800ULL	/* 1900-01-01 to 1970-01-01, s */

struct msg {
	const char	*name;
	uint8_t		 b[2048];
	size_t		 len;
	/* Expected "field=value" pairs; "" value: absent. */
	size_t		 nf;
	char		 field[FIELDS_MAX][48];
	char		 want[FIELDS_MAX][VAL_MAX];
};

static struct msg	msgs[MSGS_MAX];
static size_t		nmsgs;
static int		failures;

static const char alice[] = "sip:alice@operator.example";
static const char kms[] = "kms.operator.example";
static const char bob[] = "sip:bob@operator.example";
static const uint8_t rand16[16] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
/* mikey-ticket.md 12.3: the KEMAC ciphertext (AES-CM-256). */
static const char ct_hex[] =
    "0880363f4c48748a6d31c5c920491c459106d30d27baae641560fda84ccbcd3b"
    "820b82f9e56bb7d10f8be7ac264a25298d992080272ade147c8a1c09a8efa71d"
    "0c483723b67ba91591635f3b";

static void
expect(struct msg *m, const char *field, const char *fmt, ...)
{
	va_list	ap;

	if (m->nf == FIELDS_MAX) {
		fprintf(stderr, "%s: too many fields\n", m->name);
		exit(1);
	}
	snprintf(m->field[m->nf], sizeof(m->field[0]), "%s", field);
	va_start(ap, fmt);
	vsnprintf(m->want[m->nf], sizeof(m->want[0]), fmt, ap);
	va_end(ap);
	m->nf++;
}

static const char *
hex(const uint8_t *b, size_t n)
{
	static char	s[VAL_MAX];
	size_t		i;

	s[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < sizeof(s); i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	return s;
}

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t		n = 0;
	unsigned	v;

	while (s[0] != '\0' && s[1] != '\0' && n < max &&
	    sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* tshark's rendering of an NTP-UTC timestamp (FT_ABSOLUTE_TIME, UTC). */
static const char *
ntp_text(uint64_t ntp)
{
	static char	s[64];
	char		d[48];
	time_t		t = (time_t)((ntp >> 32) - NTP_UNIX_DIFF);
	struct tm	tm;
	uint64_t	ns = ((ntp & 0xffffffffULL) * 1000000000ULL) >> 32;

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%b %e, %Y %H:%M:%S", &tm);
	snprintf(s, sizeof(s), "%s.%09llu UTC", d, (unsigned long long)ns);
	return s;
}

/* The HDR fields every message is checked on. */
static void
expect_hdr(struct msg *m, const struct mk_payload *p, size_t n)
{
	char	next[256];
	size_t	i, o = 0;

	expect(m, "mikey.version", "%u", p[0].u.hdr.version);
	expect(m, "mikey.type", "%u", p[0].u.hdr.data_type);
	expect(m, "mikey.v.set", "%u", p[0].u.hdr.v ? 1u : 0u);
	expect(m, "mikey.prf_func", "%u", p[0].u.hdr.prf);
	expect(m, "mikey.csb_id", "0x%08x", p[0].u.hdr.csb_id);
	expect(m, "mikey.cs_count", "%u", p[0].u.hdr.cs_count);
	expect(m, "mikey.cs_id_map_type", "%u", p[0].u.hdr.map_type);
	/* Next Payload of every payload tshark dissects. */
	next[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(next + o, sizeof(next) - o, "%s%u",
		    i ? "," : "", p[i].next);
	expect(m, "mikey.next_payload", "%s", next);
}

static struct msg *
msg_new(const char *name)
{
	struct msg *m = &msgs[nmsgs++];

	memset(m, 0, sizeof(*m));
	m->name = name;
	return m;
}

static void
encode(struct msg *m, struct mk_payload *p, size_t n)
{
	enum mk_status st;

	st = mk_encode(p, n, m->b, sizeof(m->b), &m->len);
	if (st != MK_OK) {
		fprintf(stderr, "%s: encode: %s\n", m->name,
		    mk_strerror(st));
		exit(1);
	}
}

static void
set_hdr(struct mk_payload *p, uint8_t dt, uint8_t prf, uint32_t csb)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_HDR;
	p->u.hdr.version = MK_VERSION;
	p->u.hdr.data_type = dt;
	p->u.hdr.prf = prf;
	p->u.hdr.csb_id = csb;
	p->u.hdr.map_type = MK_MAP_EMPTY;
}

static void
set_idr(struct mk_payload *p, uint8_t role, const char *id)
{
	memset(p, 0, sizeof(*p));
	p->type = MK_PT_IDR;
	p->u.id.role = role;
	p->u.id.id_type = MK_ID_URI;
	p->u.id.data = (const uint8_t *)id;
	p->u.id.data_len = strlen(id);
}

/*
 * 1. The REQUEST_INIT_PSK of mikey-ticket.md 12.2: HDR and T, then tshark
 * stops at RANDR.
 */
static void
build_request_init(void)
{
	static const uint8_t	 mac[32] = { 0x59, 0xba };
	struct msg		*m = msg_new("REQUEST_INIT_PSK");
	struct mk_payload	 p[7], e;
	static uint8_t		 tpd[64];
	size_t			 tplen;

	set_idr(&e, MK_ROLE_R, bob);
	if (mk_encode_embedded(&e, 1, tpd, sizeof(tpd), &tplen) != MK_OK)
		exit(1);
	set_hdr(&p[0], MK_DT_REQUEST_INIT_PSK, MK_PRF_HMAC_SHA256,
	    0x11223344);
	p[0].u.hdr.v = true;
	memset(&p[1], 0, sizeof(p[1]));
	p[1].type = MK_PT_T;
	p[1].u.ts.ts_type = MK_TS_NTP_UTC;
	p[1].u.ts.value = 0xe93c7f0000000000ULL;
	memset(&p[2], 0, sizeof(p[2]));
	p[2].type = MK_PT_RANDR;
	p[2].u.rand.role = MK_RANDR_I;
	p[2].u.rand.rand = rand16;
	p[2].u.rand.rand_len = sizeof(rand16);
	set_idr(&p[3], MK_ROLE_I, alice);
	set_idr(&p[4], MK_ROLE_KMS, kms);
	memset(&p[5], 0, sizeof(p[5]));
	p[5].type = MK_PT_TP;
	p[5].u.tp.ticket_type = MK_TICKET_3GPP;
	p[5].u.tp.prf = 1;
	p[5].u.tp.flags = MK_TP_D | MK_TP_E | MK_TP_N | MK_TP_O;
	p[5].u.tp.tp_data = tpd;
	p[5].u.tp.tp_data_len = tplen;
	memset(&p[6], 0, sizeof(p[6]));
	p[6].type = MK_PT_V;
	p[6].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	p[6].u.v.mac = mac;
	p[6].u.v.mac_len = sizeof(mac);
	encode(m, p, 7);
	expect_hdr(m, p, 3);	/* RANDR's Next Payload is shown */
	expect(m, "mikey.t.ts_type", "%u", p[1].u.ts.ts_type);
	expect(m, "mikey.t.ntp", "%s", ntp_text(p[1].u.ts.value));
	/* Stopped at RANDR: nothing after it is dissected. */
	expect(m, "mikey.id.role", "");
	expect(m, "mikey.v.auth_alg", "");
}

/*
 * 2. An Error message as the KMS sends it: HDR (copied from 12.2), T,
 * two ERRs, V with HMAC-SHA-1-160 (tshark shows Ver data for it).
 */
static void
build_error(uint8_t alg)
{
	struct msg		*m = msg_new(alg == MK_MAC_HMAC_SHA1_160 ?
	    "Error+V(SHA-1)" : "Error+V(SHA-256)");
	struct mk_payload	 hdr, p[5];
	struct mk_ts_view	 t = { 0, MK_TS_NTP_UTC,
	    0xe93c7f0280000000ULL };
	const uint8_t		 errs[2] = { MK_E_AUTH, MK_E_TS };
	size_t			 mac_off = 0, i;
	int			 l = mk_mac_len(alg);

	set_hdr(&hdr, MK_DT_REQUEST_INIT_PSK, 1, 0x11223344);
	if (mk_error_build(&hdr.u.hdr, &t, errs, 2, alg, m->b,
	    sizeof(m->b), &m->len, &mac_off) != MK_OK)
		exit(1);
	/* Stand-in MAC; the real one comes from the HSM. */
	for (i = 0; i < (size_t)l; i++)
		m->b[mac_off + i] = (uint8_t)(0xc0 + i);
	memset(p, 0, sizeof(p));
	p[0].u.hdr = hdr.u.hdr;
	p[0].u.hdr.data_type = MK_DT_ERROR;
	p[0].next = MK_PT_T;
	p[1].next = MK_PT_ERR;
	p[2].next = MK_PT_ERR;
	p[3].next = MK_PT_V;
	expect_hdr(m, p, 5);
	expect(m, "mikey.t.ts_type", "0");
	expect(m, "mikey.t.ntp", "%s", ntp_text(t.value));
	expect(m, "mikey.err.no", "%u,%u", errs[0], errs[1]);
	expect(m, "mikey.err.reserved", "0000,0000");
	expect(m, "mikey.v.auth_alg", "%u", alg);
	if (alg == MK_MAC_HMAC_SHA1_160)
		expect(m, "mikey.v.ver_data", "%s", hex(m->b + mac_off,
		    (size_t)l));
}

/*
 * 3. A RESOLVE_RESP without forking: HDR, T, IDRkms, KEMAC (the 12.3
 * ciphertext, AES-CM-256, NULL MAC), IDRr, V.  All of it dissected.
 */
static void
build_resolve_resp(void)
{
	static uint8_t		 ct[76], mac[20];
	struct msg		*m = msg_new("RESOLVE_RESP");
	struct mk_payload	 p[6];
	size_t			 ctlen, i;
	char			 next[64];

	ctlen = unhex(ct_hex, ct, sizeof(ct));
	for (i = 0; i < sizeof(mac); i++)
		mac[i] = (uint8_t)(0x10 + i);
	set_hdr(&p[0], MK_DT_RESOLVE_RESP, MK_PRF_HMAC_SHA256,
	    0xa1b2c3d4);
	memset(&p[1], 0, sizeof(p[1]));
	p[1].type = MK_PT_T;
	p[1].u.ts.ts_type = MK_TS_NTP_UTC;
	p[1].u.ts.value = 0xe93c7f0540000000ULL;
	set_idr(&p[2], MK_ROLE_KMS, kms);
	memset(&p[3], 0, sizeof(p[3]));
	p[3].type = MK_PT_KEMAC;
	p[3].u.kemac.encr_alg = MK_ENCR_AES_CM_256;
	p[3].u.kemac.encr_data = ct;
	p[3].u.kemac.encr_len = ctlen;
	p[3].u.kemac.mac_alg = MK_MAC_NULL;
	set_idr(&p[4], MK_ROLE_R, bob);
	memset(&p[5], 0, sizeof(p[5]));
	p[5].type = MK_PT_V;
	p[5].u.v.auth_alg = MK_MAC_HMAC_SHA1_160;
	p[5].u.v.mac = mac;
	p[5].u.v.mac_len = sizeof(mac);
	encode(m, p, 6);
	expect_hdr(m, p, 6);
	expect(m, "mikey.t.ntp", "%s", ntp_text(p[1].u.ts.value));
	snprintf(next, sizeof(next), "%u,%u", MK_ROLE_KMS, MK_ROLE_R);
	expect(m, "mikey.id.role", "%s", next);
	expect(m, "mikey.id.type", "%u,%u", MK_ID_URI, MK_ID_URI);
	expect(m, "mikey.id.len", "%zu,%zu", strlen(kms), strlen(bob));
	expect(m, "mikey.id.data", "%s,%s", kms, bob);
	expect(m, "mikey.kemac.encr_alg", "%u", MK_ENCR_AES_CM_256);
	expect(m, "mikey.kemac.key_data_len", "%zu", ctlen);
	expect(m, "mikey.kemac.key_data", "%s", hex(ct, ctlen));
	expect(m, "mikey.kemac.mac_alg", "%u", MK_MAC_NULL);
	expect(m, "mikey.v.auth_alg", "%u", MK_MAC_HMAC_SHA1_160);
	expect(m, "mikey.v.ver_data", "%s", hex(mac, sizeof(mac)));
}

/*
 * 4. The RFC 3830 payloads around them: a PSK init message (type 0) with
 * an SRTP-ID map, T, RAND, an NULL-encrypted KEMAC whose key data tshark
 * dissects, SP with SRTP parameters, a general extension and V.
 */
static void
build_rfc3830(void)
{
	static const uint8_t	 map[9] = { 3, 0xde, 0xad, 0xbe, 0xef,
	    0, 0, 0, 7 };
	static const uint8_t	 key[16] = { 0x11, 0x22, 0x33, 0x44 };
	static const uint8_t	 spi[4] = { 0, 0, 0, 9 };
	static const uint8_t	 vendor[5] = { 'a', 'c', 'm', 'e', 0 };
	static const uint8_t	 one = 1, klen = 16, tag = 10;
	static uint8_t		 keys[64], params[32], mac[20];
	struct msg		*m = msg_new("PSK init (RFC 3830)");
	struct mk_keydata	 kd;
	struct mk_sp_param	 spp[3];
	struct mk_payload	 p[7];
	size_t			 keyslen, plen, i;

	memset(&kd, 0, sizeof(kd));
	kd.key_type = MK_KEY_TGK;
	kd.kv = MK_KV_SPI;
	kd.key = key;
	kd.key_len = sizeof(key);
	kd.spi = spi;
	kd.spi_len = sizeof(spi);
	if (mk_encode_keydata(&kd, 1, keys, sizeof(keys), &keyslen) !=
	    MK_OK)
		exit(1);
	spp[0].type = MK_SRTP_ENCR_ALG;
	spp[0].len = 1;
	spp[0].value = &one;
	spp[1].type = MK_SRTP_ENCR_KEY_LEN;
	spp[1].len = 1;
	spp[1].value = &klen;
	spp[2].type = MK_SRTP_TAG_LEN;
	spp[2].len = 1;
	spp[2].value = &tag;
	if (mk_encode_sp_params(spp, 3, params, sizeof(params), &plen) !=
	    MK_OK)
		exit(1);
	for (i = 0; i < sizeof(mac); i++)
		mac[i] = (uint8_t)(0xf0 - i);

	set_hdr(&p[0], MK_DT_PSK_INIT, MK_PRF_MIKEY_1, 0x0badcafe);
	p[0].u.hdr.cs_count = 1;
	p[0].u.hdr.map_type = MK_MAP_SRTP_ID;
	p[0].u.hdr.map_info = map;
	p[0].u.hdr.map_info_len = sizeof(map);
	memset(&p[1], 0, 6 * sizeof(p[1]));
	p[1].type = MK_PT_T;
	p[1].u.ts.ts_type = MK_TS_NTP_UTC;
	p[1].u.ts.value = 0xe93c7f0000000000ULL;
	p[2].type = MK_PT_RAND;
	p[2].u.rand.rand = rand16;
	p[2].u.rand.rand_len = sizeof(rand16);
	p[3].type = MK_PT_SP;
	p[3].u.sp.policy_no = 3;
	p[3].u.sp.prot_type = MK_SP_PROT_SRTP;
	p[3].u.sp.params = params;
	p[3].u.sp.params_len = plen;
	p[4].type = MK_PT_GENEXT;
	p[4].u.ext.ext_type = MK_EXT_VENDOR;
	p[4].u.ext.data = vendor;
	p[4].u.ext.data_len = sizeof(vendor);
	p[5].type = MK_PT_KEMAC;
	p[5].u.kemac.encr_alg = MK_ENCR_NULL;
	p[5].u.kemac.encr_data = keys;
	p[5].u.kemac.encr_len = keyslen;
	p[5].u.kemac.mac_alg = MK_MAC_HMAC_SHA1_160;
	p[5].u.kemac.mac = mac;
	p[5].u.kemac.mac_len = sizeof(mac);
	p[6].type = MK_PT_V;
	p[6].u.v.auth_alg = MK_MAC_NULL;
	encode(m, p, 7);
	expect_hdr(m, p, 7);
	expect(m, "mikey.srtp_id.policy_no", "%u", map[0]);
	expect(m, "mikey.srtp_id.ssrc", "0xdeadbeef");
	expect(m, "mikey.srtp_id.roc", "0x00000007");
	expect(m, "mikey.t.ntp", "%s", ntp_text(p[1].u.ts.value));
	expect(m, "mikey.rand.len", "%zu", sizeof(rand16));
	expect(m, "mikey.rand.data", "%s", hex(rand16, sizeof(rand16)));
	expect(m, "mikey.sp.no", "3");
	expect(m, "mikey.sp.proto_type", "0");
	expect(m, "mikey.sp.param_len", "%zu", plen);
	expect(m, "mikey.sp.encr_alg", "1");
	expect(m, "mikey.sp.encr_len", "16");
	expect(m, "mikey.sp.auth_tag_len", "10");
	expect(m, "mikey.ext.type", "%u", MK_EXT_VENDOR);
	expect(m, "mikey.ext.len", "%zu", sizeof(vendor));
	expect(m, "mikey.ext.data", "%s", hex(vendor, sizeof(vendor)));
	expect(m, "mikey.kemac.encr_alg", "0");
	expect(m, "mikey.kemac.key_data_len", "%zu", keyslen);
	expect(m, "mikey.key.type", "%u", MK_KEY_TGK);
	expect(m, "mikey.key.kv", "%u", MK_KV_SPI);
	expect(m, "mikey.key.data.len", "%zu", sizeof(key));
	expect(m, "mikey.key.data", "%s", hex(key, sizeof(key)));
	expect(m, "mikey.key.kv.spi.len", "%zu", sizeof(spi));
	expect(m, "mikey.key.kv.spi", "%s", hex(spi, sizeof(spi)));
	expect(m, "mikey.kemac.mac_alg", "%u", MK_MAC_HMAC_SHA1_160);
	expect(m, "mikey.kemac.mac", "%s", hex(mac, sizeof(mac)));
	expect(m, "mikey.v.auth_alg", "0");
}

static void
put16le(FILE *f, unsigned v)
{
	fputc((int)(v & 0xff), f);
	fputc((int)(v >> 8 & 0xff), f);
}

static void
put32le(FILE *f, uint32_t v)
{
	put16le(f, v & 0xffff);
	put16le(f, v >> 16);
}

/* A classic pcap (LINKTYPE_ETHERNET), one IPv4/UDP datagram per message. */
static int
write_pcap(const char *path)
{
	uint8_t		 frame[2048 + 42];
	FILE		*f;
	size_t		 i, k, ulen, ilen;
	uint32_t	 sum;

	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	put32le(f, 0xa1b2c3d4);
	put16le(f, 2);
	put16le(f, 4);
	put32le(f, 0);
	put32le(f, 0);
	put32le(f, 65535);
	put32le(f, 1);
	for (i = 0; i < nmsgs; i++) {
		memset(frame, 0, 42);
		/* Ethernet: locally administered MACs, IPv4. */
		memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
		    "\x08\x00", 14);
		ilen = 20 + 8 + msgs[i].len;
		ulen = 8 + msgs[i].len;
		frame[14] = 0x45;
		frame[16] = (uint8_t)(ilen >> 8);
		frame[17] = (uint8_t)ilen;
		frame[22] = 64;
		frame[23] = 17;
		memcpy(frame + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
		for (sum = 0, k = 14; k < 34; k += 2)
			sum += (uint32_t)(frame[k] << 8 | frame[k + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		frame[24] = (uint8_t)(~sum >> 8);
		frame[25] = (uint8_t)~sum;
		frame[34] = MK_PORT >> 8;
		frame[35] = MK_PORT & 0xff;
		frame[36] = MK_PORT >> 8;
		frame[37] = MK_PORT & 0xff;
		frame[38] = (uint8_t)(ulen >> 8);
		frame[39] = (uint8_t)ulen;
		memcpy(frame + 42, msgs[i].b, msgs[i].len);
		put32le(f, (uint32_t)(1704067200 + i));
		put32le(f, 0);
		put32le(f, (uint32_t)(42 + msgs[i].len));
		put32le(f, (uint32_t)(42 + msgs[i].len));
		fwrite(frame, 1, 42 + msgs[i].len, f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Runs tshark on packet i of the pcap and compares its fields. */
static void
check(const char *pcap, size_t i)
{
	struct msg	*m = &msgs[i];
	static char	 cmd[8192], line[LINE_MAX_T];
	char		*s, *e;
	size_t		 o, k;
	FILE		*p;

	o = (size_t)snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' "
	    "-d udp.port==%d,mikey -Y 'frame.number==%zu' -T fields "
	    "-E separator=/t -E occurrence=a -E aggregator=,", pcap,
	    MK_PORT, i + 1);
	for (k = 0; k < m->nf; k++)
		o += (size_t)snprintf(cmd + o, sizeof(cmd) - o, " -e %s",
		    m->field[k]);
	snprintf(cmd + o, sizeof(cmd) - o, " 2>/dev/null");
	p = popen(cmd, "r");
	if (p == NULL || fgets(line, sizeof(line), p) == NULL) {
		fprintf(stderr, "%s: no output from: %s\n", m->name, cmd);
		failures++;
		if (p != NULL)
			pclose(p);
		return;
	}
	pclose(p);
	line[strcspn(line, "\r\n")] = '\0';
	s = line;
	for (k = 0; k < m->nf; k++) {
		e = strchr(s, '\t');
		if (e != NULL)
			*e = '\0';
		if (strcmp(s, m->want[k]) != 0) {
			fprintf(stderr, "%s: %s: tshark \"%s\", encoded "
			    "\"%s\"\n", m->name, m->field[k], s, m->want[k]);
			failures++;
		}
		s = e != NULL ? e + 1 : s + strlen(s);
	}
	printf("%-22s %zu bytes, %zu fields checked\n", m->name, m->len,
	    m->nf);
}

int
main(int argc, char *argv[])
{
	char	 dir[] = "/tmp/mikey-tshark.XXXXXX", pcap[64];
	bool	 keep = argc > 1 && strcmp(argv[1], "-k") == 0;
	size_t	 i;
	FILE	*p;
	int	 st;

	p = popen("tshark -v >/dev/null 2>&1", "r");
	st = p != NULL ? pclose(p) : -1;
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("tshark not installed: skipped\n");
		return SKIP;
	}
	build_request_init();
	build_error(MK_MAC_HMAC_SHA1_160);
	build_error(MK_MAC_HMAC_SHA256_256);
	build_resolve_resp();
	build_rfc3830();

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(pcap, sizeof(pcap), "%s/mikey.pcap", dir);
	if (write_pcap(pcap) != 0) {
		perror(pcap);
		return 1;
	}
	for (i = 0; i < nmsgs; i++)
		check(pcap, i);
	if (keep) {
		printf("kept %s\n", pcap);
	} else {
		unlink(pcap);
		rmdir(dir);
	}
	if (failures > 0) {
		fprintf(stderr, "%d field(s) differ\n", failures);
		return 1;
	}
	printf("tshark agrees on every field\n");
	return 0;
}
