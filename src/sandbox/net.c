/*
 * The container's network.  Every container with its own network namespace
 * gets its loopback up.  A private network adds a veth pair: the host end
 * "moatN" holds 10.88.a.b/30 and the container's end, "eth0", the next
 * address, with the host end as its default route.  N is the first free
 * index from a pid-derived start: the kernel's refusal of a duplicate name
 * (NLM_F_EXCL) is the lock, so concurrent containers need no other
 * coordination.  Forwarding is off on the host end: the container reaches
 * the host and nothing beyond it.  The pair dies with the container's namespace; moat also
 * deletes it explicitly on the way out.
 *
 * Everything is rtnetlink through libmnl; the host side runs in moat, the
 * container side in the container's PID 1 before anything else runs there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "sandbox/sandbox_internal.h"

#define NET_SLOTS 16384 /* /30 subnets in 10.88.0.0/16 */

/* One request, one acknowledgement.  0 or -errno (the kernel's). */
static int talk(struct nlmsghdr *nlh)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned seq = (unsigned)time(NULL);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	int r = 0;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 || mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		r = -errno;
	while (r == 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			r = -errno;
			break;
		}
		int cb = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL);
		if (cb <= MNL_CB_STOP) {
			r = cb < 0 ? -errno : 0;
			break;
		}
	}
	mnl_socket_close(nl);
	return r;
}

static struct nlmsghdr *msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

/* Creates host end `host` and its peer "eth0" in pid's network namespace. */
static int veth_create(const char *host, pid_t pid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return talk(nlh);
}

static int link_up(unsigned index)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return talk(nlh);
}

static int addr_add(unsigned index, uint32_t addr, int prefix)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	return talk(nlh);
}

static int default_route(unsigned index, uint32_t gateway)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gateway);
	mnl_attr_put_u32(nlh, RTA_OIF, index);
	return talk(nlh);
}

/* Packets from the container are not routed beyond the host: forwarding off
 * on the host end (the kernel checks the input device's setting). */
static int no_forwarding(const char *host_if)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding", host_if);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	int r = fputs("0", f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int link_delete(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg(buf, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return talk(nlh);
}

int sbx_net_lo_up(struct moat_error *err)
{
	unsigned lo = if_nametoindex("lo");
	int r = lo ? link_up(lo) : -errno;
	if (r < 0)
		return moat_error_set(err, -r, "bringing up the container's loopback: %s", strerror(-r));
	return 0;
}

int sbx_net_create(struct sbx_net *n, pid_t pid, struct moat_error *err)
{
	int r = -EEXIST;
	for (int k = 0; k < NET_SLOTS && r == -EEXIST; k++) {
		n->slot = (int)(((unsigned)pid + (unsigned)k) % NET_SLOTS);
		snprintf(n->host_if, sizeof(n->host_if), "moat%d", n->slot);
		r = veth_create(n->host_if, pid);
	}
	if (r < 0) {
		n->slot = -1;
		return moat_error_set(err, -r, "creating the container's veth pair: %s", strerror(-r));
	}
	uint32_t base = 0x0a580000u | ((uint32_t)n->slot << 2); /* 10.88.0.0/16, one /30 each */
	n->host_addr = htonl(base + 1);
	n->peer_addr = htonl(base + 2);
	n->prefix = 30;
	unsigned idx = if_nametoindex(n->host_if);
	r = idx ? addr_add(idx, n->host_addr, n->prefix) : -errno;
	if (r == 0)
		r = no_forwarding(n->host_if);
	if (r == 0)
		r = link_up(idx);
	if (r < 0) {
		sbx_net_destroy(n);
		return moat_error_set(err, -r, "configuring %s: %s", n->host_if, strerror(-r));
	}
	return 0;
}

int sbx_net_setup_peer(const struct sbx_net *n, struct moat_error *err)
{
	unsigned idx = if_nametoindex("eth0");
	int r = idx ? addr_add(idx, n->peer_addr, n->prefix) : -errno;
	if (r == 0)
		r = link_up(idx);
	if (r == 0)
		r = default_route(idx, n->host_addr);
	if (r < 0)
		return moat_error_set(err, -r, "configuring the container's eth0: %s", strerror(-r));
	return 0;
}

void sbx_net_destroy(struct sbx_net *n)
{
	if (n->slot < 0)
		return;
	/* ENODEV: the kernel already removed it with the namespace */
	link_delete(n->host_if);
	n->slot = -1;
}

const char *sbx_net_describe(const struct sbx_net *n, char *buf, size_t len)
{
	char h[INET_ADDRSTRLEN], p[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &n->host_addr, h, sizeof(h));
	inet_ntop(AF_INET, &n->peer_addr, p, sizeof(p));
	snprintf(buf, len, "container eth0 %s/%d, host %s %s", p, n->prefix, n->host_if, h);
	return buf;
}
