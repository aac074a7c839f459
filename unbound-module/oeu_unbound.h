/*
 * Unbound's headers, in one place.  They come from Unbound's configured
 * source tree (its config.h first: struct layouts depend on it) and do
 * not build cleanly under the project's warnings, so the warnings are
 * silenced here, for these includes only.
 */
#ifndef OEU_UNBOUND_H
#define OEU_UNBOUND_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "config.h"
#include "util/module.h"
#include "util/log.h"
#include "util/regional.h"
#include "util/net_help.h"
#include "util/netevent.h"
#include "util/ub_event.h"
#include "util/config_file.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/data/dname.h"
#include "services/mesh.h"
#include "services/cache/dns.h"
#include "services/cache/rrset.h"
#include "dynlibmod/dynlibmod.h"
#include "daemon/worker.h"
#include "sldns/rrdef.h"
#include "sldns/pkthdr.h"
#pragma GCC diagnostic pop

#endif /* OEU_UNBOUND_H */
