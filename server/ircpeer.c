/*
 * ircpeer.c - who is at the other end of a loopback TCP connection to
 * the IRC door: the kernel's socket table says (NETLINK_SOCK_DIAG,
 * inet_diag, as identd servers ask it), never the client.  The client's
 * socket is looked up exactly, by both addresses and ports.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/* ircpeer_loopback - is sa a loopback address? */
static int
ircpeer_loopback(const struct sockaddr_storage *sa)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->ss_family == AF_INET)
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	if (sa->ss_family == AF_INET6)
		return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	return (0);
}

/* ircpeer_fill - one end's address and port into the diag request. */
static void
ircpeer_fill(const struct sockaddr_storage *sa, __be16 *port, __be32 *addr)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;

	if (sa->ss_family == AF_INET) {
		*port = sin->sin_port;
		memcpy(addr, &sin->sin_addr, 4);
	} else {
		*port = sin6->sin6_port;
		memcpy(addr, &sin6->sin6_addr, 16);
	}
}

/*
 * ircpeer_tcp - the uid owning the client end of the accepted loopback
 * connection fd.  0, or -1 with why.
 */
int
ircpeer_tcp(int fd, uid_t *uid, char *why, size_t whylen)
{
	struct {
		struct nlmsghdr		nh;
		struct inet_diag_req_v2	req;
	} q;
	struct sockaddr_storage	 local, peer;
	struct sockaddr_nl	 nl;
	struct nlmsghdr		*nh;
	struct inet_diag_msg	*msg;
	socklen_t		 len;
	union {
		char		buf[8192];
		struct nlmsghdr	align;
	} r;
	ssize_t			 n;
	int			 sk, rc = -1;

	len = sizeof local;
	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1) {
		snprintf(why, whylen, "getsockname: %s", strerror(errno));
		return (-1);
	}
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1) {
		snprintf(why, whylen, "getpeername: %s", strerror(errno));
		return (-1);
	}
	if (!ircpeer_loopback(&peer)) {
		snprintf(why, whylen, "a peer not on loopback");
		return (-1);
	}
	memset(&q, 0, sizeof q);
	q.nh.nlmsg_len = sizeof q;
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.req.sdiag_family = (uint8_t)peer.ss_family;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0u;
	/* The client's socket: its source is our peer. */
	ircpeer_fill(&peer, &q.req.id.idiag_sport, q.req.id.idiag_src);
	ircpeer_fill(&local, &q.req.id.idiag_dport, q.req.id.idiag_dst);
	q.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if ((sk = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1) {
		snprintf(why, whylen, "NETLINK_SOCK_DIAG: %s", strerror(errno));
		return (-1);
	}
	memset(&nl, 0, sizeof nl);
	nl.nl_family = AF_NETLINK;
	if (sendto(sk, &q, sizeof q, 0, (struct sockaddr *)&nl,
	    sizeof nl) == -1) {
		snprintf(why, whylen, "sock_diag: %s", strerror(errno));
		goto out;
	}
	/* The kernel answers at once; a second is generous. */
	if (poll(&(struct pollfd){ .fd = sk, .events = POLLIN }, 1, 1000) != 1 ||
	    (n = recv(sk, r.buf, sizeof r.buf, MSG_DONTWAIT)) <= 0) {
		snprintf(why, whylen, "sock_diag: no answer");
		goto out;
	}
	for (nh = &r.align; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			snprintf(why, whylen, "sock_diag: the client's socket "
			    "is not in the table");
			goto out;
		}
		if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    nh->nlmsg_len < NLMSG_LENGTH(sizeof *msg))
			continue;
		msg = NLMSG_DATA(nh);
		*uid = msg->idiag_uid;
		rc = 0;
		break;
	}
	if (rc != 0)
		snprintf(why, whylen, "sock_diag: no socket in the answer");
out:
	close(sk);
	return (rc);
}
