/*
 * Ad-hoc tool: prints every XFRM netlink event (ACQUIRE, EXPIRE,
 * POLEXPIRE groups) as a C byte array, to keep real kernel messages as
 * test data.  Usage: xfrm_capture SECONDS
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>

int
main(int argc, char **argv)
{
	struct sockaddr_nl sa;
	unsigned char buf[65536];
	int fd, g, secs = argc > 1 ? atoi(argv[1]) : 5, n = 0;
	unsigned int groups[] = { XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE };
	time_t end = time(NULL) + secs;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM);
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink");
		return 1;
	}
	for (g = 0; g < 2; g++)
		setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[g],
		    sizeof(groups[g]));
	printf("# ready\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t len, i;

		if (poll(&p, 1, 200) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0)
			continue;
		printf("/* event %d: type %u, %zd bytes */\n", n++,
		    ((struct nlmsghdr *)buf)->nlmsg_type, len);
		printf("static const uint8_t ev%d[] = {", n - 1);
		for (i = 0; i < len; i++)
			printf("%s0x%02x,", i % 12 ? " " : "\n\t", buf[i]);
		printf("\n};\n");
		fflush(stdout);
	}
	return 0;
}
