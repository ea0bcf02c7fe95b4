/*
 * dns_file.c, the file backend of dns.h: /etc/resolv.conf rewritten, its
 * original saved under /run and put back.
 */
#ifndef PRIVSEP_PARENT_DNS_FILE_H
#define PRIVSEP_PARENT_DNS_FILE_H

#include <stddef.h>

/* Whether an original is saved (a rewrite is in force, or a crash left it). */
int	dns_file_saved(void);
/* Saves the original if not yet saved, then writes it with these servers. */
int	dns_file_write(char *const *servers, int n, char *err, size_t errlen);
/* Puts the saved original back and forgets it; nothing saved: nothing. */
int	dns_file_restore(char *err, size_t errlen);

#endif
