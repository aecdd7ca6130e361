/*
 * The database side of sccd init and sccd authority add. Every change goes
 * through an admin.* function, so the checks and the audit entries are the
 * database's, exactly as for changes made through the api.
 */
#include <sys/param.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "instance.h"

#define PASSWORD_GROUPS		4
#define PASSWORD_GROUP_LEN	5
#define PASSWORD_LEN		(PASSWORD_GROUPS * (PASSWORD_GROUP_LEN + 1) - 1)

/* A user's first password, and whether we made it up (then we show it). */
struct password {
	char	*text;
	int	 generated;
};

static void
ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The server's own words, without libpq's trailing newline. */
static void
admin_error(PGconn *conn, const PGresult *res, char *err, size_t errlen)
{
	const char	*msg = NULL;
	size_t		 len;

	if (res != NULL)
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	snprintf(err, errlen, "%s", msg);
	len = strlen(err);
	while (len > 0 && err[len - 1] == '\n')
		err[--len] = '\0';
}

PGconn *
admin_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn	*conn;

	if ((conn = PQconnectdb(conninfo)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		admin_error(conn, NULL, err, errlen);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, ignore_notice, NULL);
	return conn;
}

static int
admin_call(PGconn *conn, const char *sql, int nparams,
    const char *const *params, char *err, size_t errlen)
{
	PGresult	*res;
	int		 rc = 0;

	/* Only the simple protocol takes several statements at once. */
	if (nparams == 0)
		res = PQexec(conn, sql);
	else
		res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
		    NULL, 0);
	if (res == NULL || (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)) {
		admin_error(conn, res, err, errlen);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

int
admin_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	return admin_call(conn, sql, 0, NULL, err, errlen);
}

int
admin_app_role(PGconn *conn, const char *dbname, char *err, size_t errlen)
{
	static const char	*const steps[] = {
		"DO $$ BEGIN "
		"IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles "
		"WHERE rolname = 'scc_app') THEN "
		"CREATE ROLE scc_app LOGIN IN ROLE scc_api; "
		"END IF; END $$",
		"GRANT scc_api TO scc_app",
	};
	char	*sql;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (admin_exec(conn, steps[i], err, errlen) == -1)
			return -1;
	}
	/* Nobody else may connect, or make temporary tables in our database. */
	if (asprintf(&sql, "REVOKE ALL ON DATABASE %s FROM PUBLIC; "
	    "GRANT CONNECT ON DATABASE %s TO scc_app", dbname, dbname) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = admin_exec(conn, sql, err, errlen);
	free(sql);
	return rc;
}

/* Twenty letters and digits in groups of five: easy to read out and type. */
static void
password_generate(char *out)
{
	static const char	alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t			i, o = 0;

	for (i = 0; i < PASSWORD_GROUPS * PASSWORD_GROUP_LEN; i++) {
		if (i > 0 && i % PASSWORD_GROUP_LEN == 0)
			out[o++] = '-';
		out[o++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	}
	out[o] = '\0';
}

static int
password_choose(const char *envname, struct password *pw)
{
	const char	*given = getenv(envname);

	pw->generated = given == NULL || *given == '\0';
	if (!pw->generated)
		pw->text = strdup(given);
	else if ((pw->text = malloc(PASSWORD_LEN + 1)) != NULL)
		password_generate(pw->text);
	return pw->text == NULL ? -1 : 0;
}

static void
password_free(struct password *pw)
{
	if (pw->text != NULL) {
		explicit_bzero(pw->text, strlen(pw->text));
		free(pw->text);
		pw->text = NULL;
	}
}

/* A new password for a user, hashed; the hash is malloc'd. */
static char *
password_new(const char *envname, struct password *pw, char *err,
    size_t errlen)
{
	char	*hash;

	if (password_choose(envname, pw) == -1 ||
	    (hash = instance_hash_password(pw->text)) == NULL) {
		password_free(pw);
		snprintf(err, errlen, "cannot hash a password: out of memory");
		return NULL;
	}
	return hash;
}

int
admin_authority_add(PGconn *conn, const char *name, const char *login,
    char *err, size_t errlen)
{
	struct password	 pw;
	char		*hash;
	int		 rc;

	if ((hash = password_new("SCC_ADMIN_PASSWORD", &pw, err,
	    errlen)) == NULL)
		return -1;
	{
		const char	*params[] = { name, login, "Administrator",
		    hash };

		rc = admin_call(conn, "SELECT admin.authority_add($1, $2, $3, $4)",
		    4, params, err, errlen);
	}
	if (rc == 0) {
		printf("authority \"%s\" added\n", name);
		if (pw.generated)
			printf("lead officer %s password: %s\n", login, pw.text);
		else
			printf("lead officer %s: password from "
			    "$SCC_ADMIN_PASSWORD\n", login);
	}
	free(hash);
	password_free(&pw);
	return rc;
}

struct demo_school {
	const char	*urn;
	const char	*name;
	const char	*phase;
};

/* One school of each phase; made-up URNs. */
static const struct demo_school demo_schools[] = {
	{ "100101", "Oakfield Primary", "primary" },
	{ "100102", "Riverside Academy", "secondary" },
	{ "100103", "Little Acorns Nursery", "nursery" },
	{ "100104", "Northgate All-Through School", "all_through" },
	{ "100105", "Hillcrest Special School", "special" },
	{ "100106", "Brookside Learning Centre", "pru" },
};

struct demo_user {
	const char	*login;
	const char	*person;
	const char	*role;
	const char	*school_urn;	/* NULL: works across schools */
};

/* The lead officer is the authority's first user, made before these. */
static const struct demo_user demo_users[] = {
	{ "link.partner", "Priya Shah", "link_partner", NULL },
	{ "head.oakfield", "Daniel Okafor", "headteacher", "100101" },
	{ "chair.oakfield", "Margaret Hughes", "governor", "100101" },
	{ "head.riverside", "Helen Clarke", "headteacher", "100102" },
};
#define DEMO_USERS	(sizeof(demo_users) / sizeof(demo_users[0]))
#define DEMO_SCHOOLS	(sizeof(demo_schools) / sizeof(demo_schools[0]))

static int
demo_add_schools(PGconn *conn, const char *authority, char *err,
    size_t errlen)
{
	const struct demo_school	*s;
	size_t				 i;

	for (i = 0; i < DEMO_SCHOOLS; i++) {
		const char	*params[4];

		s = &demo_schools[i];
		params[0] = authority;
		params[1] = s->urn;
		params[2] = s->name;
		params[3] = s->phase;
		if (admin_call(conn, "SELECT admin.school_add($1, $2, $3, $4)",
		    4, params, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
demo_add_user(PGconn *conn, const char *authority, const struct demo_user *u,
    struct password *pw, char *err, size_t errlen)
{
	char	*hash, *email;
	int	 rc;

	if ((hash = password_new("SCC_DEMO_PASSWORD", pw, err,
	    errlen)) == NULL)
		return -1;
	if (asprintf(&email, "%s@demo.example", u->login) == -1) {
		free(hash);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	{
		const char	*params[] = { authority, u->login, u->person,
		    u->role, u->school_urn, email, hash };

		rc = admin_call(conn, "SELECT admin.user_add($1, $2, $3, $4, "
		    "$5, $6, $7)", 7, params, err, errlen);
	}
	free(email);
	free(hash);
	return rc;
}

static const char *
demo_school_name(const char *urn)
{
	size_t	i;

	for (i = 0; urn != NULL && i < DEMO_SCHOOLS; i++) {
		if (strcmp(demo_schools[i].urn, urn) == 0)
			return demo_schools[i].name;
	}
	return "-";
}

static void
demo_print_users(const struct password *pws)
{
	int	wlogin = (int)strlen("login"), wrole = (int)strlen("role");
	int	wschool = (int)strlen("school");
	size_t	i;

	for (i = 0; i < DEMO_USERS; i++) {
		wlogin = MAX(wlogin, (int)strlen(demo_users[i].login));
		wrole = MAX(wrole, (int)strlen(demo_users[i].role));
		wschool = MAX(wschool,
		    (int)strlen(demo_school_name(demo_users[i].school_urn)));
	}
	printf("demo users:\n  %-*s  %-*s  %-*s  %s\n", wlogin, "login",
	    wrole, "role", wschool, "school", "password");
	for (i = 0; i < DEMO_USERS; i++) {
		printf("  %-*s  %-*s  %-*s  %s\n", wlogin, demo_users[i].login,
		    wrole, demo_users[i].role, wschool,
		    demo_school_name(demo_users[i].school_urn),
		    pws[i].generated ? pws[i].text : "$SCC_DEMO_PASSWORD");
	}
}

int
admin_demo_load(PGconn *conn, const char *authority, char *err,
    size_t errlen)
{
	struct password	pws[DEMO_USERS];
	size_t		i;
	int		rc = -1;

	memset(pws, 0, sizeof(pws));
	/* All of the demo or none of it. */
	if (admin_exec(conn, "BEGIN", err, errlen) == -1)
		return -1;
	if (demo_add_schools(conn, authority, err, errlen) == -1)
		goto done;
	for (i = 0; i < DEMO_USERS; i++) {
		if (demo_add_user(conn, authority, &demo_users[i], &pws[i],
		    err, errlen) == -1)
			goto done;
	}
	{
		const char	*params[] = { authority };

		/* The casework needs the link partner to exist. */
		if (admin_call(conn, "SELECT admin.demo_casework($1)", 1,
		    params, err, errlen) == -1 ||
		    admin_call(conn, "SELECT admin.demo_meetings($1)", 1,
		    params, err, errlen) == -1 ||
		    admin_call(conn, "SELECT admin.demo_actions($1)", 1,
		    params, err, errlen) == -1 ||
		    admin_call(conn, "SELECT admin.demo_documents($1)", 1,
		    params, err, errlen) == -1)
			goto done;
	}
	if (admin_exec(conn, "COMMIT", err, errlen) == -1)
		goto done;
	printf("demo authority \"%s\": %zu schools with their levels, "
	    "risks, alerts, cases, meetings, actions, documents, notes of "
	    "visit and support\n", authority, DEMO_SCHOOLS + 6);
	demo_print_users(pws);
	rc = 0;
done:
	/* Best effort: the error that got us here is the one to report. */
	if (rc == -1)
		PQclear(PQexec(conn, "ROLLBACK"));
	for (i = 0; i < DEMO_USERS; i++)
		password_free(&pws[i]);
	return rc;
}
