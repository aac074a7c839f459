/*
 * Host key generation and export through NSS.  Every function opens the
 * database, does one thing and shuts NSS down again, so no NSS state
 * outlives a call.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nss.h>
#include <pk11pub.h>
#include <keyhi.h>
#include <secerr.h>
#include <secoid.h>
#include <prerror.h>

#include "oe_log.h"
#include "ipk_hostkey.h"

static const char *
nss_errstr(void)
{
	const char *s = PR_ErrorToString(PR_GetError(), PR_LANGUAGE_I_DEFAULT);

	return s != NULL ? s : "unknown NSS error";
}

char *
ipk_nssdb_dir(const char *arg)
{
	const char *dir = arg;

	if (dir == NULL || dir[0] == '\0')
		dir = getenv("OE_NSSDB");
	if (dir == NULL || dir[0] == '\0')
		dir = IPK_NSSDB_DEFAULT;
	if (strncmp(dir, "sql:", 4) == 0)
		dir += 4;
	return strdup(dir);
}

static NSSInitContext *
nss_open(const char *dir, bool readonly)
{
	NSSInitContext *ctx;
	char *spec = NULL;

	if (asprintf(&spec, "sql:%s", dir) < 0)
		return NULL;
	ctx = NSS_InitContext(spec, "", "", "", NULL,
	    (readonly ? NSS_INIT_READONLY : 0) | NSS_INIT_NOROOTINIT |
	    NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE);
	if (ctx == NULL)
		oe_err("%s: cannot open NSS database: %s", dir, nss_errstr());
	free(spec);
	return ctx;
}

static bool
db_files_present(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/key4.db", dir) >=
	    sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
db_create_in(const char *dir)
{
	NSSInitContext *ctx;
	PK11SlotInfo *slot = NULL;
	bool ok = false;

	ctx = nss_open(dir, false);
	if (ctx == NULL)
		return false;
	slot = PK11_GetInternalKeySlot();
	if (slot == NULL) {
		oe_err("%s: no internal key slot: %s", dir, nss_errstr());
		goto out;
	}
	/* Empty password: the daemon starts unattended; the file mode is
	 * the protection (0600 in a 0700 directory). */
	if (PK11_NeedUserInit(slot) &&
	    PK11_InitPin(slot, "", "") != SECSuccess) {
		oe_err("%s: cannot initialise the key slot: %s", dir,
		    nss_errstr());
		goto out;
	}
	ok = true;
out:
	if (slot != NULL)
		PK11_FreeSlot(slot);
	if (NSS_ShutdownContext(ctx) != SECSuccess) {
		oe_err("%s: NSS shutdown failed: %s", dir, nss_errstr());
		ok = false;
	}
	return ok;
}

static bool
db_check(const char *dir)
{
	NSSInitContext *ctx = nss_open(dir, true);

	if (ctx == NULL)
		return false;
	NSS_ShutdownContext(ctx);
	return true;
}

bool
ipk_nssdb_init(const char *dir)
{
	char *tmp = NULL;
	struct stat st;
	mode_t old_umask;
	bool ok = false;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			oe_err("%s: exists and is not a directory", dir);
			return false;
		}
		if (db_files_present(dir)) {
			if (!db_check(dir))
				return false;
			if ((st.st_mode & 077) != 0)
				oe_warn("%s: mode %03o lets others in; "
				    "chmod 700 it", dir, st.st_mode & 0777);
			oe_info("%s: NSS database already present, unchanged",
			    dir);
			return true;
		}
	} else if (errno != ENOENT) {
		oe_err("%s: %s", dir, strerror(errno));
		return false;
	}
	old_umask = umask(077);
	if (asprintf(&tmp, "%s.tmp-XXXXXX", dir) < 0) {
		tmp = NULL;
		goto out;
	}
	if (mkdtemp(tmp) == NULL) {
		oe_err("%s: cannot create a temporary directory: %s", tmp,
		    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (!db_create_in(tmp))
		goto out;
	/* rename(2) replaces an empty directory, never a populated one. */
	if (rename(tmp, dir) != 0) {
		oe_err("%s: cannot move the new database into place: %s",
		    dir, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	oe_info("%s: NSS database created", dir);
	ok = true;
out:
	if (tmp != NULL) {
		char cmd[PATH_MAX];
		/* Remove what NSS left in the temporary directory. */
		const char *files[] = { "cert9.db", "key4.db", "pkcs11.txt" };
		size_t i;
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			if ((size_t)snprintf(cmd, sizeof(cmd), "%s/%s", tmp,
			    files[i]) < sizeof(cmd))
				unlink(cmd);
		}
		rmdir(tmp);
		free(tmp);
	}
	umask(old_umask);
	return ok;
}

static bool
pub_from_nss(SECKEYPublicKey *pk, struct ipk_pubkey *out)
{
	switch (pk->keyType) {
	case rsaKey:
		return ipk_rsa_rfc3110(pk->u.rsa.publicExponent.data,
		    pk->u.rsa.publicExponent.len, pk->u.rsa.modulus.data,
		    pk->u.rsa.modulus.len, out);
	case ecKey:
		return ipk_ecdsa_point(pk->u.ec.publicValue.data,
		    pk->u.ec.publicValue.len, out);
	default:
		oe_err("host key has an unsupported type %d", (int)pk->keyType);
		return false;
	}
}

static bool
ckaid_of(SECKEYPrivateKey *priv, uint8_t ckaid[20])
{
	SECItem *id = PK11_GetLowLevelKeyIDForPrivateKey(priv);
	bool ok = id != NULL && id->len == 20;

	if (ok)
		memcpy(ckaid, id->data, 20);
	else
		oe_err("host key has no 20-octet CKA_ID: %s", nss_errstr());
	if (id != NULL)
		SECITEM_FreeItem(id, PR_TRUE);
	return ok;
}

/* The one private key called `nickname`, or NULL (count in *n). */
static SECKEYPrivateKey *
find_hostkey(PK11SlotInfo *slot, const char *nickname, unsigned *n)
{
	SECKEYPrivateKeyList *list;
	SECKEYPrivateKeyListNode *node;
	SECKEYPrivateKey *found = NULL;

	*n = 0;
	list = PK11_ListPrivKeysInSlot(slot, (char *)(uintptr_t)nickname, NULL);
	if (list == NULL)
		return NULL;
	for (node = PRIVKEY_LIST_HEAD(list); !PRIVKEY_LIST_END(node, list);
	    node = PRIVKEY_LIST_NEXT(node)) {
		if (++*n == 1)
			found = SECKEY_CopyPrivateKey(node->key);
	}
	SECKEY_DestroyPrivateKeyList(list);
	if (*n != 1 && found != NULL) {
		SECKEY_DestroyPrivateKey(found);
		found = NULL;
	}
	return found;
}

static bool
export_key(SECKEYPrivateKey *priv, struct ipk_pubkey *pub, uint8_t ckaid[20])
{
	SECKEYPublicKey *pk = SECKEY_ConvertToPublicKey(priv);
	bool ok;

	if (pk == NULL) {
		oe_err("cannot read the host key's public part: %s",
		    nss_errstr());
		return false;
	}
	ok = pub_from_nss(pk, pub) && ckaid_of(priv, ckaid);
	SECKEY_DestroyPublicKey(pk);
	return ok;
}

bool
ipk_hostkey_load(const char *dir, const char *nickname,
    struct ipk_pubkey *pub, uint8_t ckaid[20])
{
	NSSInitContext *ctx;
	PK11SlotInfo *slot = NULL;
	SECKEYPrivateKey *priv = NULL;
	unsigned n = 0;
	bool ok = false;

	if (!db_files_present(dir)) {
		oe_err("%s: no NSS database here (run oe-ipseckey init)", dir);
		return false;
	}
	ctx = nss_open(dir, true);
	if (ctx == NULL)
		return false;
	slot = PK11_GetInternalKeySlot();
	if (slot == NULL || PK11_Authenticate(slot, PR_TRUE, NULL) !=
	    SECSuccess) {
		oe_err("%s: cannot log in to the key slot: %s", dir,
		    nss_errstr());
		goto out;
	}
	priv = find_hostkey(slot, nickname, &n);
	if (priv == NULL) {
		oe_err("%s: %s host key \"%s\"%s", dir, n == 0 ? "no" :
		    "more than one", nickname, n == 0 ?
		    " (run oe-ipseckey newkey)" : "");
		goto out;
	}
	ok = export_key(priv, pub, ckaid);
out:
	if (priv != NULL)
		SECKEY_DestroyPrivateKey(priv);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	NSS_ShutdownContext(ctx);
	return ok;
}

static SECKEYPrivateKey *
generate(PK11SlotInfo *slot, enum ipk_keytype type, unsigned bits,
    SECKEYPublicKey **pub)
{
	PK11RSAGenParams rsa = { .keySizeInBits = (int)bits, .pe = 65537 };
	SECOidData *oid;
	SECKEYECParams ec = { 0 };
	SECKEYPrivateKey *priv;
	uint8_t der[16];

	if (type == IPK_KEY_RSA)
		return PK11_GenerateKeyPair(slot, CKM_RSA_PKCS_KEY_PAIR_GEN,
		    &rsa, pub, PR_TRUE, PR_TRUE, NULL);
	/* EC parameters are the DER OBJECT IDENTIFIER of the curve. */
	oid = SECOID_FindOIDByTag(type == IPK_KEY_EC_P256 ?
	    SEC_OID_ANSIX962_EC_PRIME256V1 : SEC_OID_SECG_EC_SECP384R1);
	if (oid == NULL || oid->oid.len + 2 > sizeof(der))
		return NULL;
	der[0] = 0x06;	/* SEC_ASN1_OBJECT_ID */
	der[1] = (uint8_t)oid->oid.len;
	memcpy(der + 2, oid->oid.data, oid->oid.len);
	ec.data = der;
	ec.len = oid->oid.len + 2;
	priv = PK11_GenerateKeyPair(slot, CKM_EC_KEY_PAIR_GEN, &ec, pub,
	    PR_TRUE, PR_TRUE, NULL);
	return priv;
}

bool
ipk_hostkey_generate(const char *dir, const char *nickname,
    enum ipk_keytype type, unsigned bits, struct ipk_pubkey *pub,
    uint8_t ckaid[20])
{
	NSSInitContext *ctx;
	PK11SlotInfo *slot = NULL;
	SECKEYPrivateKey *priv = NULL, *old;
	SECKEYPublicKey *pk = NULL;
	unsigned n = 0;
	bool ok = false;

	if (type == IPK_KEY_RSA && (bits < 2048 || bits > 8192 || bits % 8)) {
		oe_err("--rsa %u: RSA keys must be 2048..8192 bits, a multiple "
		    "of 8 (below 2048 is too weak)", bits);
		return false;
	}
	if (!db_files_present(dir)) {
		oe_err("%s: no NSS database here (run oe-ipseckey init)", dir);
		return false;
	}
	ctx = nss_open(dir, false);
	if (ctx == NULL)
		return false;
	slot = PK11_GetInternalKeySlot();
	if (slot == NULL || PK11_Authenticate(slot, PR_TRUE, NULL) !=
	    SECSuccess) {
		oe_err("%s: cannot log in to the key slot: %s", dir,
		    nss_errstr());
		goto out;
	}
	old = find_hostkey(slot, nickname, &n);
	if (old != NULL)
		SECKEY_DestroyPrivateKey(old);
	if (n > 0) {
		oe_err("%s: a host key \"%s\" already exists; refusing to "
		    "make a second one (use --nickname for another)", dir,
		    nickname);
		goto out;
	}
	priv = generate(slot, type, bits, &pk);
	if (priv == NULL) {
		oe_err("%s: key generation failed: %s", dir, nss_errstr());
		goto out;
	}
	/* Without its nickname the key is unreachable: remove it again
	 * rather than leave an orphan in the database. */
	if (PK11_SetPrivateKeyNickname(priv, nickname) != SECSuccess) {
		oe_err("%s: cannot name the new key: %s", dir, nss_errstr());
		/* Both calls also destroy the in-memory handles. */
		PK11_DeleteTokenPrivateKey(priv, PR_TRUE);
		PK11_DeleteTokenPublicKey(pk);
		priv = NULL;
		pk = NULL;
		goto out;
	}
	ok = pub_from_nss(pk, pub) && ckaid_of(priv, ckaid);
out:
	if (pk != NULL)
		SECKEY_DestroyPublicKey(pk);
	if (priv != NULL)
		SECKEY_DestroyPrivateKey(priv);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	if (NSS_ShutdownContext(ctx) != SECSuccess) {
		oe_err("%s: NSS shutdown failed: %s", dir, nss_errstr());
		ok = false;
	}
	return ok;
}
