/*
 * libnftables and json-c, loaded when the nftables backend first needs
 * them. Runs in the parent.
 *
 * The daemon is one program that the parent re-executes for the engine
 * and control, so a library it is linked against is mapped and relocated
 * (relocations are written: private pages) in all three processes.
 * libnftables with what it pulls in (libnftnl, libxtables, libjansson,
 * libgmp) cost some 270 KB of PSS in each, json-c some 25 KB, though
 * only the parent's nftables backend calls them (json-c reads nft's
 * output), and only with `firewall auto` or `nftables`. So the program
 * is not linked against them (it links with --as-needed): these
 * definitions of the functions the backend calls stand in for the
 * libraries', load them with dlopen on the first call that can start
 * their use (nft_ctx_new, json_tokener_parse) and call through. If one
 * cannot be loaded, that call fails as it would without memory, and the
 * backend reports that it cannot work here.
 *
 * dlsym on a library's own handle finds the library's definitions, not
 * these: a handle's lookup starts at the library, not at the program.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <json-c/json.h>
#include <nftables/libnftables.h>

#include "privsep/log.h"
#include "privsep/parent/lazylib.h"

int
lazy_load(struct lazylib *l)
{
	void	*h;
	size_t	 i;

	if (l->state != 0)
		return l->state == 1 ? 0 : -1;
	l->state = -1;
	if ((h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("cannot load %s", dlerror());
		return -1;
	}
	for (i = 0; i < l->nsyms; i++)
		if ((*l->syms[i].addr = dlsym(h, l->syms[i].name)) == NULL) {
			log_warnx("%s: no %s", l->soname, l->syms[i].name);
			return -1;
		}
	l->state = 1;
	return 0;
}

/* ---- libnftables --------------------------------------------------------- */

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

static const struct lazysym nft_syms[] = {
	{ "nft_ctx_new",		(void **)&nft.ctx_new },
	{ "nft_ctx_free",		(void **)&nft.ctx_free },
	{ "nft_ctx_buffer_output",	(void **)&nft.buffer_output },
	{ "nft_ctx_buffer_error",	(void **)&nft.buffer_error },
	{ "nft_ctx_get_output_buffer",	(void **)&nft.output_buffer },
	{ "nft_ctx_get_error_buffer",	(void **)&nft.error_buffer },
	{ "nft_ctx_output_set_flags",	(void **)&nft.set_flags },
	{ "nft_run_cmd_from_buffer",	(void **)&nft.run },
};

static struct lazylib nft_lib = {
	"libnftables.so.1", nft_syms, sizeof(nft_syms) / sizeof(nft_syms[0]), 0
};

struct nft_ctx *
nft_ctx_new(uint32_t flags)
{
	if (lazy_load(&nft_lib) == -1)
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

/* ---- json-c ---------------------------------------------------------------- */

static struct {
	struct json_object	*(*parse)(const char *);
	int			 (*put)(struct json_object *);
	int			 (*is_type)(const struct json_object *,
				    enum json_type);
	json_bool		 (*get_ex)(const struct json_object *,
				    const char *, struct json_object **);
	size_t			 (*array_length)(const struct json_object *);
	struct json_object	*(*array_get_idx)(const struct json_object *,
				    size_t);
	int32_t			 (*get_int)(const struct json_object *);
	int64_t			 (*get_int64)(const struct json_object *);
	const char		*(*get_string)(struct json_object *);
} js;

static const struct lazysym js_syms[] = {
	{ "json_tokener_parse",		(void **)&js.parse },
	{ "json_object_put",		(void **)&js.put },
	{ "json_object_is_type",	(void **)&js.is_type },
	{ "json_object_object_get_ex",	(void **)&js.get_ex },
	{ "json_object_array_length",	(void **)&js.array_length },
	{ "json_object_array_get_idx",	(void **)&js.array_get_idx },
	{ "json_object_get_int",	(void **)&js.get_int },
	{ "json_object_get_int64",	(void **)&js.get_int64 },
	{ "json_object_get_string",	(void **)&js.get_string },
};

static struct lazylib js_lib = {
	"libjson-c.so.5", js_syms, sizeof(js_syms) / sizeof(js_syms[0]), 0
};

struct json_object *
json_tokener_parse(const char *str)
{
	if (lazy_load(&js_lib) == -1)
		return NULL;
	return js.parse(str);
}

/*
 * Every object comes from json_tokener_parse, so before the library is
 * loaded the only object there can be is NULL: these answer for NULL
 * then as json-c does.
 */

int
json_object_put(struct json_object *o)
{
	return js_lib.state == 1 ? js.put(o) : 0;
}

int
json_object_is_type(const struct json_object *o, enum json_type t)
{
	return js_lib.state == 1 ? js.is_type(o, t) : t == json_type_null;
}

json_bool
json_object_object_get_ex(const struct json_object *o, const char *key,
    struct json_object **v)
{
	if (js_lib.state == 1)
		return js.get_ex(o, key, v);
	if (v != NULL)
		*v = NULL;
	return 0;
}

size_t
json_object_array_length(const struct json_object *o)
{
	return js_lib.state == 1 ? js.array_length(o) : 0;
}

struct json_object *
json_object_array_get_idx(const struct json_object *o, size_t i)
{
	return js_lib.state == 1 ? js.array_get_idx(o, i) : NULL;
}

int32_t
json_object_get_int(const struct json_object *o)
{
	return js_lib.state == 1 ? js.get_int(o) : 0;
}

int64_t
json_object_get_int64(const struct json_object *o)
{
	return js_lib.state == 1 ? js.get_int64(o) : 0;
}

const char *
json_object_get_string(struct json_object *o)
{
	return js_lib.state == 1 ? js.get_string(o) : NULL;
}
