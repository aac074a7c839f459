/*
 * Signature authentication with raw public keys (RFC 7427 digital
 * signatures).  Not implemented yet: it needs the signing and
 * verification code of crypto_auth.h, which has not landed.  Until
 * then a conn that requires signatures fails its IKE_AUTH with a clear
 * log line instead of pretending.
 */
#include "config.h"

#include "oe_log.h"
#include "ikev2.h"
#include "ikev2_auth.h"

int
ikev2_auth_sig_make(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const uint8_t *octets, size_t len, uint8_t *out, size_t cap,
    size_t *out_len, uint8_t *method)
{
	(void)sa;
	(void)octets;
	(void)len;
	(void)out;
	(void)cap;
	(void)out_len;
	(void)method;
	oe_err("conn %s: signature authentication is not implemented yet "
	    "(use authby=null)", c->name);
	return -1;
}

int
ikev2_auth_sig_check(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_auth *a, const uint8_t *octets, size_t len,
    const char **why)
{
	(void)sa;
	(void)c;
	(void)a;
	(void)octets;
	(void)len;
	*why = "signature authentication is not implemented yet";
	return -1;
}
