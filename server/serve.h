/* sccd serve: the running server, shared read-mostly by every loop thread. */
#ifndef SCCD_SERVE_H
#define SCCD_SERVE_H

#include <stdatomic.h>

struct addrlimit;
struct hashpool;
struct loop;
struct db_stmt;

struct server {
	struct loop		*loops;
	int			 nloops;
	struct hashpool		*hashpool;
	struct addrlimit	*addrlimit;
	char			*conninfo;
	const struct db_stmt	*stmts;		/* prepared on every db connection */
	int			 nstmts;
	atomic_int		 nconns;	/* client connections, all threads */
	atomic_int		 stopping;
};

int	serve_main(int argc, char **argv);	/* argv[0] == "serve" */

#endif
