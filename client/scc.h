/*
 * scc, the thin client: what the command files share.
 */
#ifndef SCC_H
#define SCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "settings.h"

/* Exit statuses, also the results of every command function. */
#define SCC_EXIT_OK		0
#define SCC_EXIT_REFUSED	1	/* the server said NO or BAD */
#define SCC_EXIT_USAGE		2
#define SCC_EXIT_CONN		3	/* could not connect, TLS failed, lost */
#define SCC_EXIT_AUTH		4	/* not logged in, or the session ended */

struct conn;
struct reply;

/* One run of scc: its settings and, once needed, its connection. */
struct client {
	const struct settings	*set;
	struct conn		*conn;
	bool			 has_session;	/* conn carries our session */
	bool			 in_shell;
};

/* "--name value" for the command, not for scc: an argument of the command. */
struct cmdopt {
	char		*name;		/* lower case, '-' made '_'; owned */
	const char	*value;		/* in the caller's argv */
};

/* A command line cut into options and operands. */
struct cmdline {
	struct settings	  flags;	/* settings given as flags */
	bool		  all;		/* logout --all */
	const char	 *output;	/* doc get -o FILE */
	bool		  help;
	bool		  version;
	int		  argc;		/* the command words and operands */
	char		**argv;		/* owned array, NULL-terminated */
	struct cmdopt	 *opts;		/* the command's own options, in order */
	size_t		  nopts;
	const char	 *user_arg;	/* -u as given: a command's user= may take it */
};

typedef int	client_run_fn(struct client *, const struct cmdline *);

struct client_cmd {
	const char	*name;		/* one word, or two ("school import") */
	client_run_fn	*run;
	const char	*synopsis;
	const char	*help;
	bool		 in_shell;	/* offered by the interactive shell */
};

extern const struct client_cmd	client_cmds[];
/* The hand-written command named by the first one or two words. */
const struct client_cmd	*client_cmd_find(int argc, char *const *argv,
			    int *words);

/* cmdline.c */
int	 cmdline_parse(struct cmdline *, int, char **);	/* -1: usage error */
void	 cmdline_free(struct cmdline *);

/* editor.c: long text a person writes (minutes, notes of visit) */
#define SCC_TEXT_MAX	(1024 * 1024)	/* the server's text limit */
/* $VISUAL, else $EDITOR, else vi, on path: -1 (said why) unless it exits 0. */
int	 editor_run(const char *path);
/* The whole of path ("-": standard input); NULL after saying why. */
char	*text_load(const char *path);

/* client.c: the connection and session every command builds on */
int	 client_connect(struct client *);
int	 client_resume(struct client *);
void	 client_disconnect(struct client *);
int	 client_refused(struct client *, const struct reply *);
void	 client_warn_text(const char *prefix, const char *text);

/* help.c */
void	 help_usage(FILE *);
void	 help_full(FILE *);
void	 help_protocol(FILE *);
void	 help_commands(FILE *, bool in_shell);
int	 help_topic(FILE *, int argc, char *const *argv);
struct scp_cmd;
void	 help_usage_of(FILE *, const struct scp_cmd *);

/* the commands */
int	 cmd_help(struct client *, const struct cmdline *);
int	 cmd_login(struct client *, const struct cmdline *);
int	 cmd_logout(struct client *, const struct cmdline *);
int	 cmd_whoami(struct client *, const struct cmdline *);
int	 cmd_password(struct client *, const struct cmdline *);
int	 cmd_minutes_edit(struct client *, const struct cmdline *);
int	 cmd_doc_put(struct client *, const struct cmdline *);
int	 cmd_doc_get(struct client *, const struct cmdline *);
int	 cmd_watch(struct client *, const struct cmdline *);
int	 cmd_raw(struct client *, const struct cmdline *);
int	 cmd_school_import(struct client *, const struct cmdline *);
int	 cmd_visit_submit(struct client *, const struct cmdline *);
/* gen_run.c: any command of the protocol's table, as a person types it */
int	 cmd_generated(struct client *, const struct cmdline *);

/* raw.c: a line ending in "{N}" or "{N+}" announces N octets */
bool	 raw_literal_at_end(const char *, size_t, uint64_t *size, bool *sync);

/* shell.c */
int	 shell_run(struct client *);
/* shell_complete.c: tab completion from the command table */
void	 shell_complete_init(void);
/* The completions of the word being typed, for the words before it. */
char	**shell_candidates(int argc, char *const *argv, const char *word);
void	 shell_candidates_free(char **);

#endif /* SCC_H */
