/*
 * sccd: the scc server. One binary, a few subcommands:
 *   init, authority add, serve, migrate, cert renew.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "instance.h"
#include "log.h"
#include "serve.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: sccd init DIR [--authority NAME] [--admin LOGIN] [--demo]\n"
	    "       sccd authority add -D DIR NAME --admin LOGIN\n"
	    "       sccd serve -D DIR [--listen ADDR:PORT]\n"
	    "       sccd serve --db CONNINFO --cert FILE --key FILE "
	    "--listen ADDR:PORT\n"
	    "       sccd migrate --db CONNINFO\n"
	    "       sccd cert renew -D DIR\n");
}

int
main(int argc, char **argv)
{
	log_init(0, "sccd");
	if (sodium_init() < 0)
		fatalx("libsodium cannot start");
	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "init") == 0)
		return instance_init_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "authority") == 0)
		return instance_authority_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return serve_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "migrate") == 0)
		return instance_migrate_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "cert") == 0)
		return instance_cert_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage();
		return 0;
	}
	usage();
	return 2;
}
