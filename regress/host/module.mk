# regress/host: tests against the host kernel, each in network namespaces
# of its own (root needed).  Every executable regress/host/t/*.t is a TAP
# test; helper programs for them are built into regress/host/bin/.

HOST_BIN   := regress/host/bin
HOST_TOOLS := $(HOST_BIN)/routetool

# Linked from the objects it tests, not the privsep archives, so that it
# does not depend on the rest of privsep/ building.
ROUTETOOL_OBJS := regress/host/route/routetool.o privsep/parent/route.o \
                  privsep/parent/sockets.o privsep/errfmt.o
$(HOST_BIN)/routetool: $(ROUTETOOL_OBJS)
	@mkdir -p $(HOST_BIN)
	$(CC) $(LDFLAGS) -o $@ $(ROUTETOOL_OBJS) $(PKG_LIBS)

# Many pptpctl clients at once, as threads of one process running
# pptpctl's own protocol code (21-fw-flood.t, regress/lab/ctl-stress).
$(HOST_BIN)/ctlload: regress/host/daemon/ctlload.o pptpctl/client.o pptpctl/output.o privsep/libprivsep.a
	@mkdir -p $(HOST_BIN)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)
HOST_TOOLS += $(HOST_BIN)/ctlload

TEST_BUILD += $(HOST_TOOLS)
TESTS_HOST += $(sort $(wildcard regress/host/t/*.t))
CLEANFILES += $(HOST_TOOLS) regress/host/*/*.o regress/host/*/*.d
-include $(wildcard regress/host/*/*.d)

# The daemon built with AddressSanitizer (seccomp and chroot off, as in
# `make SANITIZE=1`), objects apart in regress/host/asan/: for the tests
# that must see a memory error a normal build hides, such as a client
# read after it was freed (07-daemon-flood.t).
ASAN_DIR   := regress/host/asan
ASAN_SRCS  := $(DAEMON_SRCS) $(PROTO_SRCS) $(PRIVSEP_SRCS) $(PRIV_SRCS)
ASAN_OBJS  := $(addprefix $(ASAN_DIR)/,$(ASAN_SRCS:.c=.o))
ASAN_FLAGS := -fsanitize=address -fno-omit-frame-pointer -DPC_NO_SANDBOX
$(ASAN_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) $(PKG_CFLAGS) -c -o $@ $<
$(ASAN_DIR)/pptpd-client/parse.o: CFLAGS += -Wno-missing-prototypes
$(HOST_BIN)/pptpd-client-asan: $(ASAN_OBJS)
	@mkdir -p $(HOST_BIN)
	$(CC) $(LDFLAGS) -fsanitize=address -o $@ $(ASAN_OBJS) $(PKG_LIBS)

TEST_BUILD += $(HOST_BIN)/pptpd-client-asan
CLEANFILES += $(HOST_BIN)/pptpd-client-asan $(ASAN_OBJS) $(ASAN_OBJS:.o=.d)
-include $(wildcard $(ASAN_DIR)/*/*.d $(ASAN_DIR)/*/*/*.d)
