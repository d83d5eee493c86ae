/*
 * spooldir.h - where the durable spool lives by default, and whether
 * the file system under it keeps anything across a reboot.
 */
#ifndef SPOOLDIR_H
#define SPOOLDIR_H

char	*spooldir_default(const char *, const char *, const char *);
int	 spooldir_parents(const char *, char **);
const char *spooldir_volatile(int, const char *);

#endif
