/*
 * Records outlive the reader's buffers, which are reused for every
 * response.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"

static int
copy_field(struct field *f, const struct scp_item *item)
{
	if (item->name != NULL && (f->name = strdup(item->name)) == NULL)
		return -1;
	if ((f->value = malloc(item->len + 1)) == NULL)
		return -1;
	if (item->len > 0 && item->value != NULL)
		memcpy(f->value, item->value, item->len);
	f->value[item->len] = '\0';
	f->len = item->len;
	return 0;
}

int
record_copy(struct record *rec, const struct scp_response *resp)
{
	size_t	 i;

	memset(rec, 0, sizeof(*rec));
	if ((rec->type = strdup(resp->type != NULL ? resp->type : "")) == NULL)
		return -1;
	if (resp->nfields > 0 && (rec->fields = calloc(resp->nfields,
	    sizeof(*rec->fields))) == NULL)
		goto fail;
	for (i = 0; i < resp->nfields; i++) {
		rec->nfields++;
		if (copy_field(&rec->fields[i], &resp->fields[i]) == -1)
			goto fail;
	}
	return 0;
fail:
	record_free(rec);
	return -1;
}

void
record_free(struct record *rec)
{
	size_t	 i;

	for (i = 0; i < rec->nfields; i++) {
		free(rec->fields[i].name);
		free(rec->fields[i].value);
	}
	free(rec->fields);
	free(rec->type);
	memset(rec, 0, sizeof(*rec));
}

const char *
record_get(const struct record *rec, const char *name)
{
	size_t	 i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].name != NULL &&
		    strcasecmp(rec->fields[i].name, name) == 0)
			return rec->fields[i].value;
	return NULL;
}
