/* sccd serve: the running server, shared read-mostly by every loop thread. */
#ifndef SCCD_SERVE_H
#define SCCD_SERVE_H

#include <stdatomic.h>

#include "db.h"

struct addrlimit;
struct hashpool;
struct event;
struct loop;

struct server {
	struct loop		*loops;
	int			 nloops;
	struct hashpool		*hashpool;
	struct addrlimit	*addrlimit;
	char			*conninfo;
	struct db_params	 dbparams;	/* conninfo and timeouts, for the pools */
	struct event		*loop_exited;	/* on the main base: a loop stopped */
	const struct db_stmt	*stmts;		/* prepared on every db connection */
	int			 nstmts;
	atomic_int		 nconns;	/* client connections, all threads */
	atomic_int		 stopping;
	atomic_int		 loops_exited;
};

int	serve_main(int argc, char **argv);	/* argv[0] == "serve" */

#endif
