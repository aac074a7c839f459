/*
 * iked.conf(5) from the options table, so the man page and the parser
 * cannot disagree.
 *
 *   conf_doc --man     print the man page (make -C iked update-man)
 *   conf_doc           TAP check: doc/iked.conf.5 is what --man prints
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_options.h"
#include "policy_group.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif
#ifndef OE_SYSCONFDIR
#define OE_SYSCONFDIR "/etc/oe"
#endif
#ifndef OE_LOCALSTATEDIR
#define OE_LOCALSTATEDIR "/var/lib/oe"
#endif

#define MAN_MAX		(1u << 20)

/* Text for roff: backslashes, hyphens and leading dots escaped. */
static void
roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

/* Defaults under build-time directories are shown as installed. */
static void
roff_default(FILE *f, const char *def)
{
	static const struct { const char *build, *shown; } dirs[] = {
		{ OE_SYSCONFDIR, "/etc/oe" },
		{ OE_LOCALSTATEDIR, "/var/lib/oe" },
		{ OE_RUNDIR, "/run/oe" },
	};
	const char *p = strncmp(def, "sql:", 4) == 0 ? def + 4 : def;
	size_t i, n;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		n = strlen(dirs[i].build);
		if (strncmp(p, dirs[i].build, n) == 0) {
			if (p != def)
				fputs("sql:", f);
			roff(f, dirs[i].shown);
			roff(f, p + n);
			return;
		}
	}
	roff(f, def);
}

static void
print_option(FILE *f, const struct conf_option *o,
    const struct conf_option *pair)
{
	char allowed[512];

	conf_option_allowed(o, allowed, sizeof(allowed));
	fputs(".TP\n\\fB", f);
	roff(f, o->name);
	fputs("\\fR=\\fI", f);
	roff(f, allowed);
	fputs("\\fR", f);
	if (pair) {
		fputs(", \\fB", f);
		roff(f, pair->name);
		fputs("\\fR=...", f);
	}
	fputs("\n", f);
	/* Help lines start lower case (they follow "key: " in errors). */
	fputc(toupper((unsigned char)o->help[0]), f);
	roff(f, o->help + 1);
	fputs(".\n", f);
	if (o->def) {
		fputs("Default: \\fB", f);
		roff_default(f, o->def);
		fputs("\\fR.\n", f);
	}
	if (o->flags & CONF_F_OURS)
		fputs("This key is an oe extension (not in libreswan).\n", f);
	if (o->flags & CONF_F_RESTART)
		fputs("A change takes effect only when oe\\-iked restarts.\n", f);
	if (o->flags & CONF_F_SA_SAFE)
		fputs("A change on reload keeps established SAs.\n", f);
	if (o->flags & CONF_F_IGNORED)
		fputs("Accepted for compatibility; it has no effect and loading "
		    "warns about it.\n", f);
	if (o->flags & CONF_F_MULTI)
		fputs("May be given more than once.\n", f);
	if (o->feature) {
		fputs("Needs ", f);
		roff(f, o->feature);
		fputs(", which oe\\-iked does not support yet: a conn that sets "
		    "it is loaded but disabled (see \\fBUNSUPPORTED FEATURES\\fR).\n", f);
	}
}

/* The row after a "leftX" row if it is "rightX": documented together. */
static const struct conf_option *
right_of(size_t i)
{
	const struct conf_option *o = &conf_options[i], *n;

	if (i + 1 >= conf_noptions || strncmp(o->name, "left", 4) != 0)
		return NULL;
	n = &conf_options[i + 1];
	if (strncmp(n->name, "right", 5) != 0 || strcmp(o->name + 4, n->name + 5) != 0)
		return NULL;
	return n;
}

static void
print_section(FILE *f, enum conf_section section)
{
	const struct conf_option *pair;
	size_t i;

	for (i = 0; i < conf_noptions; i++) {
		if (conf_options[i].section != section)
			continue;
		pair = right_of(i);
		print_option(f, &conf_options[i], pair);
		if (pair)
			i++;
	}
}

static const char *const head =
".TH IKED.CONF 5 \"\" \"oe\" \"File Formats\"\n"
".SH NAME\n"
"iked.conf \\- oe\\-iked connections and opportunistic policy groups\n"
".SH SYNOPSIS\n"
"\\fI/etc/oe/iked.conf\\fR, \\fI/etc/oe/iked.d/*.conf\\fR,\n"
"\\fI/etc/oe/policies/\\fRCONN\n"
".SH DESCRIPTION\n"
"\\fBoe\\-iked\\fR(8) reads its configuration in the style of libreswan's\n"
"\\fBipsec.conf\\fR(5): a \\fBconfig setup\\fR section for the daemon and\n"
"\\fBconn\\fR \\fINAME\\fR sections, one per connection.\n"
"Only IKEv2 is spoken.\n"
".SS Syntax\n"
"Section headers (\\fBconfig setup\\fR, \\fBconn\\fR \\fINAME\\fR) and\n"
"\\fBinclude\\fR lines start at the beginning of a line.\n"
"The keys of a section follow it as \\fIkey\\fR=\\fIvalue\\fR lines indented\n"
"with blanks; a key line that is not indented is an error.\n"
"\\fB#\\fR at the start of a line or after a blank starts a comment.\n"
"A value with blanks or \\fB#\\fR must be in double quotes (no escapes).\n"
"There is no line continuation.\n"
"Conn names are letters, digits, \\fB.\\fR, \\fB_\\fR and \\fB\\-\\fR; they\n"
"also name policy group files.\n"
".PP\n"
"\\fBinclude\\fR \\fIPATTERN\\fR reads other files; a relative pattern is\n"
"relative to the directory of the including file.\n"
"A pattern with \\fB*\\fR, \\fB?\\fR or \\fB[\\fR may match nothing;\n"
"matches are read in byte order (strcmp, not the locale).\n"
"A plain file name that does not exist is an error, and so are include\n"
"loops and includes nested deeper than 8 levels.\n"
"An include ends the current section.\n"
".SS Inheritance\n"
"\\fBalso=\\fR\\fINAME\\fR takes the keys of another conn; \\fBconn %default\\fR\n"
"gives keys to every conn.\n"
"For each key the first value found wins, in this order: the conn's own\n"
"keys, then its \\fBalso=\\fR conns in order (depth first), then\n"
"\\fBconn %default\\fR, then the built\\-in default.\n"
"\\fBalso=\\fR loops are errors.\n"
"A conn with \\fBauto=ignore\\fR (the default) is only a template.\n"
".SS Errors\n"
"Every error names the file and line and says what was expected, for\n"
"example\n"
".PP\n"
".RS\n"
"iked.conf:12: unknown key \"leftsubnett\" in conn \"private\" (did you mean \"leftsubnet\"?)\n"
".RE\n"
".PP\n"
"All errors of a load are reported (up to 64 kept).\n"
"A configuration with any error is not loaded: on \\fBoectl reload\\fR the\n"
"running configuration stays in force.\n"
"Warnings (an ignored key, a disabled conn, an empty group) do not stop\n"
"the load.\n"
".SH CONFIG SETUP\n";

static const char *const groups_text =
".SH POLICY GROUPS\n"
"A conn with \\fBright=%opportunisticgroup\\fR (or \\fBright=%group\\fR for\n"
"shunts) and \\fBauto\\fR other than \\fBignore\\fR takes its destinations\n"
"from the file of its own name in \\fBpolicies\\-dir\\fR.\n"
"A missing file is an empty group (with a warning).\n"
"Each line is\n"
".PP\n"
".RS\n"
"\\fICIDR\\fR [\\fIPROTO\\fR [\\fISOURCEPORT\\fR [\\fIDESTPORT\\fR]]]\n"
".RE\n"
".PP\n"
"where \\fIPROTO\\fR is a name (icmp, tcp, udp, gre, esp, ah, icmpv6,\n"
"sctp, udplite) or a number 0..255, and ports (0..65535, 0 for any) are\n"
"allowed for tcp, udp, sctp and udplite only.\n"
"An entry with a protocol (and ports) traps only that traffic; the\n"
"opportunistic tunnel it starts, and its negotiation and failure\n"
"shunts, carry only that protocol and those ports (traffic selectors\n"
"and kernel policies), so other traffic to the peer is not affected.\n"
"IPv4 and IPv6 CIDRs may be mixed; host bits below the prefix are an\n"
"error.\n"
"\\fB#\\fR starts a comment; blank lines are ignored; a repeated entry is a\n"
"warning.\n"
".SS The five standard groups\n";

static const char *const precedence_text =
".SS Precedence\n"
"When a destination is in several groups:\n"
".IP 1. 4\n"
"the longest prefix wins;\n"
".IP 2. 4\n"
"then the more specific entry: protocol, source port and destination\n"
"port each count when given;\n"
".IP 3. 4\n"
"then a conn that authenticates its peer beats a NULL\\-authenticated,\n"
"clear or blocking one;\n"
".IP 4. 4\n"
"then the conn that comes first in the configuration (loading warns\n"
"about such ties).\n"
".PP\n"
"The kernel policies follow the same order: the XFRM priority of an entry\n"
"is the conn's \\fBpriority=\\fR if set, else 65536 minus\n"
"(8 \\(mu prefix length + 2 \\(mu given protocol/ports + 1 if authenticated);\n"
"lower wins.\n"
".SS Which conn answers an initiator\n"
"Most specific first: a conn whose \\fBright=\\fR is the peer's address\n"
"(or, once IKE_AUTH shows it, whose \\fBrightid=\\fR names the peer's ID);\n"
"then a \\fBright=%any\\fR conn; then the opportunistic group conn by the\n"
"precedence above (none if a shunt's entry wins).\n"
"At IKE_AUTH the choice is made again among the conns that accept the\n"
"peer's ID and authentication (NULL or a key), if the new conn takes the\n"
"IKE SA's algorithms.\n"
"A Child SA never takes over the kernel policies of an SA with the same\n"
"selectors whose peer authenticated with a key unless its own peer did too;\n"
"as responder, it takes them only once the initiator has sent a protected\n"
"request after IKE_AUTH (or sent INITIAL_CONTACT).\n";

static const char *const tail =
".SH UNSUPPORTED FEATURES\n"
"Certificates (\\fBleftcert\\fR, \\fBleftca\\fR, \\fBsendca\\fR,\n"
"\\fB%fromcert\\fR, \\fB%cert\\fR, DN ids), address pools\n"
"(\\fBleftaddresspool\\fR, \\fBleftmodecfgclient\\fR) and client address\n"
"translation (\\fBleftcat\\fR) are parsed and recorded, but oe\\-iked cannot\n"
"do them yet.\n"
"A conn that uses any of them is loaded but \\fBdisabled\\fR, with a\n"
"warning naming the feature and the keys, and the reason shown by\n"
"\\fBoectl\\fR.\n"
"It is a warning, not an error, so the other conns keep working; a\n"
"disabled conn never negotiates without what it asked for, and its\n"
"destinations get its \\fBfailureshunt\\fR (\\fBdrop\\fR if that is\n"
"\\fBnone\\fR): a disabled \\fBprivate\\fR conn drops, never sends in clear.\n"
"Pre\\-shared keys (\\fBauthby=secret\\fR), EAP and IKEv1 are refused with\n"
"an error.\n"
".SH EXAMPLES\n"
"Anonymous opportunistic encryption for everything, clear if the peer\n"
"does not answer (add \\fB0.0.0.0/0\\fR and \\fB::/0\\fR to\n"
"\\fI/etc/oe/policies/private\\-or\\-clear\\fR):\n"
".PP\n"
".nf\n"
".RS\n"
"conn private\\-or\\-clear\n"
"    left=%defaultroute\n"
"    leftid=%null\n"
"    rightid=%null\n"
"    right=%opportunisticgroup\n"
"    authby=null\n"
"    ikev2=insist\n"
"    failureshunt=passthrough\n"
"    negotiationshunt=hold\n"
"    auto=ondemand\n"
".RE\n"
".fi\n"
".PP\n"
"Encryption or nothing, the peer authenticated by its DNSSEC\\-signed\n"
"IPSECKEY record (destinations in \\fI/etc/oe/policies/private\\fR):\n"
".PP\n"
".nf\n"
".RS\n"
"conn private\n"
"    left=%defaultroute\n"
"    leftid=%null\n"
"    leftauth=null\n"
"    right=%opportunisticgroup\n"
"    rightid=%any\n"
"    rightauth=rsasig\n"
"    rightrsasigkey=%dnsondemand\n"
"    negotiationshunt=hold\n"
"    failureshunt=drop\n"
"    auto=ondemand\n"
".RE\n"
".fi\n"
".SH FILES\n"
".TP\n"
"\\fI/etc/oe/iked.conf\\fR\n"
"main file (the daemon can be pointed at another).\n"
".TP\n"
"\\fI/etc/oe/iked.d/*.conf\\fR\n"
"the standard conns, included by the shipped iked.conf.\n"
".TP\n"
"\\fI/etc/oe/policies/\\fR\n"
"policy groups.\n"
".SH SEE ALSO\n"
"\\fBoe\\-iked\\fR(8), \\fBoectl\\fR(8), \\fBipsec.conf\\fR(5) (libreswan),\n"
"RFC 7619 (NULL authentication), RFC 8247 and RFC 8221 (algorithms).\n";

static void
print_man(FILE *f)
{
	static const char *const names[] = {
		"block", "clear", "clear-or-private", "private-or-clear", "private" };
	size_t i;

	fputs(head, f);
	print_section(f, CONF_SEC_SETUP);
	fputs(".SH CONN KEYS\n"
	    "Keys starting with \\fBleft\\fR describe this host's end, \\fBright\\fR\n"
	    "the peer's.\n", f);
	print_section(f, CONF_SEC_CONN);
	fputs(groups_text, f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fputs(".TP\n\\fB", f);
		roff(f, names[i]);
		fputs("\\fR\n", f);
		roff(f, policy_group_kind_describe(policy_group_kind_from_name(names[i])));
		fputs(".\n", f);
	}
	fputs(precedence_text, f);
	fputs(tail, f);
}

static int
check(void)
{
	const char *path = TOP_SRCDIR "/doc/iked.conf.5";
	char *want = NULL, *have = NULL;
	size_t nwant = 0, nhave = 0;
	FILE *mem, *f;
	int ok = 0;

	printf("1..1\n");
	if ((mem = open_memstream(&want, &nwant)) == NULL)
		goto out;
	print_man(mem);
	fclose(mem);
	if ((f = fopen(path, "r")) == NULL)
		goto out;
	if ((have = malloc(MAN_MAX)) != NULL)
		nhave = fread(have, 1, MAN_MAX, f);
	fclose(f);
	ok = have != NULL && nhave == nwant && memcmp(have, want, nwant) == 0;
out:
	printf("%s 1 - iked_conf_man_page_matches_options_table%s\n",
	    ok ? "ok" : "not ok", ok ? "" :
	    " (regenerate: make -C iked update-man)");
	free(want);
	free(have);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--man") == 0) {
		print_man(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: conf_doc [--man]\n");
		return 2;
	}
	return check();
}
