/*
 * libnftables, loaded when the nftables backend first asks for it. Runs
 * in the parent.
 *
 * The daemon is one program that the parent re-executes for the engine
 * and control; a library it is linked against is mapped, relocated and
 * partly written (its relocations are private pages) in all three
 * processes. libnftables and what it pulls in (libnftnl, libxtables,
 * libjansson, libgmp) cost some 270 KB of PSS in each, though only the
 * parent's nftables backend calls them, and only with `firewall auto`
 * or `nftables`. So the program is not linked against it: these
 * definitions of the few functions fw_nftables.c calls stand in for the
 * library's, load it with dlopen on the first nft_ctx_new, and call
 * through. If it cannot be loaded, nft_ctx_new fails as it would
 * without memory, and the backend reports that it cannot work here.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <nftables/libnftables.h>

#include "privsep/log.h"

#define NFT_SONAME	"libnftables.so.1"

static struct {
	struct nft_ctx	*(*ctx_new)(uint32_t);
	void		 (*ctx_free)(struct nft_ctx *);
	int		 (*buffer_output)(struct nft_ctx *);
	int		 (*buffer_error)(struct nft_ctx *);
	const char	*(*output_buffer)(struct nft_ctx *);
	const char	*(*error_buffer)(struct nft_ctx *);
	void		 (*set_flags)(struct nft_ctx *, unsigned int);
	int		 (*run)(struct nft_ctx *, const char *);
} nft;

static const struct {
	const char	*name;
	void		**fn;
} nft_syms[] = {
	{ "nft_ctx_new",		(void **)&nft.ctx_new },
	{ "nft_ctx_free",		(void **)&nft.ctx_free },
	{ "nft_ctx_buffer_output",	(void **)&nft.buffer_output },
	{ "nft_ctx_buffer_error",	(void **)&nft.buffer_error },
	{ "nft_ctx_get_output_buffer",	(void **)&nft.output_buffer },
	{ "nft_ctx_get_error_buffer",	(void **)&nft.error_buffer },
	{ "nft_ctx_output_set_flags",	(void **)&nft.set_flags },
	{ "nft_run_cmd_from_buffer",	(void **)&nft.run },
};

/* 0 when every function is there; once loaded, it stays. */
static int
nft_load(void)
{
	static int	 failed;
	void		*h;
	size_t		 i;

	if (nft.run != NULL)
		return 0;
	if (failed)
		return -1;
	/*
	 * dlsym on the library's own handle finds its definitions, not
	 * these: a handle's lookup starts at the library, not at the
	 * program that interposes them.
	 */
	if ((h = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("nftables: %s", dlerror());
		failed = 1;
		return -1;
	}
	for (i = 0; i < sizeof(nft_syms) / sizeof(nft_syms[0]); i++)
		if ((*nft_syms[i].fn = dlsym(h, nft_syms[i].name)) == NULL) {
			log_warnx("nftables: %s: no %s", NFT_SONAME,
			    nft_syms[i].name);
			nft.run = NULL;
			failed = 1;
			return -1;
		}
	return 0;
}

struct nft_ctx *
nft_ctx_new(uint32_t flags)
{
	if (nft_load() == -1)
		return NULL;
	return nft.ctx_new(flags);
}

/* The others take a context, which only a loaded library gives. */

void
nft_ctx_free(struct nft_ctx *c)
{
	nft.ctx_free(c);
}

int
nft_ctx_buffer_output(struct nft_ctx *c)
{
	return nft.buffer_output(c);
}

int
nft_ctx_buffer_error(struct nft_ctx *c)
{
	return nft.buffer_error(c);
}

const char *
nft_ctx_get_output_buffer(struct nft_ctx *c)
{
	return nft.output_buffer(c);
}

const char *
nft_ctx_get_error_buffer(struct nft_ctx *c)
{
	return nft.error_buffer(c);
}

void
nft_ctx_output_set_flags(struct nft_ctx *c, unsigned int flags)
{
	nft.set_flags(c, flags);
}

int
nft_run_cmd_from_buffer(struct nft_ctx *c, const char *buf)
{
	return nft.run(c, buf);
}
