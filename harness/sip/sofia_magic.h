// Private: Sofia-SIP's "magic" types, defined before any Sofia include (STYLE.md habit 8).
// Include this first, and only from the Sofia adapter .cpp files of this folder.
//
// With these, msg_pub_t is sip_t and msg_header_t is sip_header_t, so the msg_* functions
// take SIP objects without casts.
#pragma once

#ifdef MSG_HDR_T
#error "sofia_magic.h must be included before any Sofia-SIP header"
#endif

#define MSG_PUB_T struct sip_s
#define MSG_HDR_T union sip_header_u

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/url.h>
