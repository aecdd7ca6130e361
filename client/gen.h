/*
 * Commands generated from the protocol's command table: "scc school add
 * --urn 123456 ..." is SCHOOL ADD urn=123456 ... The table says what each
 * command takes; these files only say how a person names it.
 */
#ifndef SCC_GEN_H
#define SCC_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include "scp_cmd.h"

struct cmdopt;
struct conn;
struct request;

#define GEN_ERR_MAX	512
#define GEN_PAGE	100	/* the protocol's default limit= */

/* The protocol command the person's first words name. */
struct gen_match {
	const struct scp_cmd	*cmd;
	int			 words;		/* operands that named it */
	bool			 implied_show;	/* "school 3": SHOW was implied */
};

/*
 * Find the command: "noun verb", a one-word command, an alias ("schools"),
 * any plural noun (its LIST), or a noun and an operand (its SHOW). -1 with
 * a message when nothing fits. Session commands (LOGIN, ...) are not
 * offered: scc has commands of its own for them.
 */
int	 gen_resolve(int argc, char *const *argv, struct gen_match *,
	    char *err, size_t errlen);
/* True when the command is offered as a generated command. */
bool	 gen_offered(const struct scp_cmd *);
/* How a person types it: "schools", "school SCHOOL", "audit verify". */
int	 gen_person_name(const struct scp_cmd *, char *buf, size_t len);
/* The noun of a table name ("SCHOOL" of "SCHOOL ADD"), lower case. */
void	 gen_noun(const struct scp_cmd *, char *buf, size_t len);
/* The alias table, for completion: its words, NULL at the end. */
const char *gen_alias_word(size_t i);

/* A command's arguments, one value (or NULL) per declaration. */
struct gen_args {
	const struct scp_cmd	*cmd;
	const char		**values;	/* [cmd->nargs]; the strings are not ours */
	bool			 paging;	/* limit= or after= was given */
};

/*
 * Fill the arguments: every --name first, then the operands, positional
 * arguments first, then the named ones in the order the table declares
 * them (skipping those already given, and limit= and after=, which only
 * --limit and --after set). user_flag, the -u value, fills an argument
 * named user. Checks that every required argument is there and every
 * value passes its type's check, before anything is sent.
 */
int	 gen_bind(const struct scp_cmd *, int argc, char *const *operands,
	    const struct cmdopt *opts, size_t nopts, const char *user_flag,
	    struct gen_args *, char *err, size_t errlen);
void	 gen_args_free(struct gen_args *);

/* The request for these arguments; limit and after override when set. */
void	 gen_request(struct request *, struct conn *, const struct gen_args *,
	    const char *limit, const char *after);

/* "--urn URN --name TEXT [--ofsted CHOICE]": one argument as help shows it. */
const char *gen_type_word(const struct scp_argdef *);

#endif /* SCC_GEN_H */
