/*
 * Long text a person writes: in $VISUAL or $EDITOR, or in a file they
 * name. Used by scc minutes edit and scc visit submit.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scc.h"

int
editor_run(const char *path)
{
	const char	*editor = getenv("VISUAL");
	char		*line;
	pid_t		 pid;
	int		 status;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	/* Run by the shell, so that EDITOR may carry flags. */
	if (asprintf(&line, "%s \"$1\"", editor) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		free(line);
		return -1;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", line, "sh", path, (char *)NULL);
		_exit(127);
	}
	free(line);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		warnx("the editor (%s) did not finish cleanly; nothing sent",
		    editor);
		return -1;
	}
	return 0;
}

char *
text_load(const char *path)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;
	bool	 in = strcmp(path, "-") == 0;

	if ((fp = in ? stdin : fopen(path, "r")) == NULL) {
		warn("%s", path);
		return NULL;
	}
	if ((buf = malloc(SCC_TEXT_MAX + 2)) == NULL) {
		warnx("out of memory");
		if (!in)
			fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, SCC_TEXT_MAX + 1, fp);
	if (ferror(fp) || n > SCC_TEXT_MAX) {
		warnx("%s: %s", in ? "standard input" : path, ferror(fp) ?
		    "cannot be read" : "over 1 MiB, the most a text may hold");
		free(buf);
		if (!in)
			fclose(fp);
		return NULL;
	}
	if (!in)
		fclose(fp);
	if (memchr(buf, '\0', n) != NULL) {
		warnx("%s: holds a NUL octet, which no text may",
		    in ? "standard input" : path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}
