/*
 * mbox.h - a reader's mailbox file, in mboxrd format.
 */
#ifndef MBOX_H
#define MBOX_H

#include "mail.h"

char	*mbox_default_path(const char *);
int	 mbox_append(const char *, const struct mail *, char **);
size_t	 mbox_format(const struct mail *, char **);
void	 mbox_date(int64_t, char *, size_t);
void	 mbox_mkdirs(const char *);

#endif
