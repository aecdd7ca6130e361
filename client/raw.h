/*
 * scc raw, shared between its two input paths: a pipe (raw.c) and a
 * terminal through libedit (raw_tty.c).
 */
#ifndef SCC_RAW_H
#define SCC_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scp.h"

#define RAW_DRAIN_MS	5000		/* after end of input */

struct conn;
struct editline;
struct history;

struct raw {
	struct conn	*conn;
	struct scp_buf	 in;		/* input not yet sent */
	char		**tags;		/* requests not yet answered, oldest first */
	size_t		 ntags;
	char		 tag[SCP_TAG_MAX + 1];	/* of the request being sent */
	uint64_t	 literal_left;	/* octets of a literal still to come */
	bool		 continuing;	/* the request goes on after a literal */
	bool		 held;		/* waiting for "+" before the octets */
	bool		 dropping;	/* refused literal: skip it and its line */
	bool		 eof;		/* no more input */
	bool		 bye;		/* the server said goodbye */
	bool		 failed;
	bool		 tty;
	bool		 prompting;	/* el_gets() has the prompt on screen */
	bool		 redraw;	/* output went over the prompt */
	bool		 gone;		/* the connection ended during el_gets() */
	struct editline	*el;
	struct history	*hist;
};

/* Send what the input holds, as far as the protocol lets us go now. */
int	 raw_pump(struct raw *);
/* Handle everything the server has sent; -1 once the connection is gone. */
int	 raw_drain(struct raw *);
/* poll() both sides until the input ends and the answers are in. */
int	 raw_loop(struct raw *);

/* raw_tty.c */
int	 raw_tty_loop(struct raw *);
void	 raw_tty_close(struct raw *);

#endif /* SCC_RAW_H */
