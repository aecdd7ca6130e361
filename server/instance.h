/*
 * The setup commands: sccd init, sccd authority add, sccd migrate, sccd
 * cert renew. Each takes the command line from its command name on and
 * returns the exit status: 0 done, 1 failed, 2 usage error.
 */
#ifndef SCCD_INSTANCE_H
#define SCCD_INSTANCE_H

int	instance_init_main(int argc, char **argv);	/* argv[0] == "init" */
/* argv[0] == "authority", argv[1] == "add" */
int	instance_authority_main(int argc, char **argv);
int	instance_migrate_main(int argc, char **argv);	/* argv[0] == "migrate" */
/* argv[0] == "cert", argv[1] == "renew" */
int	instance_cert_main(int argc, char **argv);
/*
 * Hash a password as sccd verifies it (argon2id through crypto_pwhash_str,
 * interactive limits). malloc'd; NULL when out of memory.
 */
char	*instance_hash_password(const char *password);

#define EXIT_USAGE	2
#define ERRLEN		1024

/* Options are parsed afresh for each command: main's getopt state is reset. */
void	instance_options_reset(void);
void	instance_option_bad(const char *command, char **argv);

#endif
