# regress/host: tests against the host kernel, each in network namespaces
# of its own (root needed).  Every executable regress/host/t/*.t is a TAP
# test; helper programs for them are built into regress/host/bin/.

HOST_BIN   := regress/host/bin
HOST_TOOLS := $(HOST_BIN)/routetool

# Linked from the objects it tests, not libprivsep.a, so that it does not
# depend on the rest of privsep/ building.
ROUTETOOL_OBJS := regress/host/route/routetool.o privsep/route.o \
                  privsep/sockets.o privsep/errfmt.o
$(HOST_BIN)/routetool: $(ROUTETOOL_OBJS)
	@mkdir -p $(HOST_BIN)
	$(CC) $(LDFLAGS) -o $@ $(ROUTETOOL_OBJS) $(PKG_LIBS)

TEST_BUILD += $(HOST_TOOLS)
TESTS_HOST += $(sort $(wildcard regress/host/t/*.t))
CLEANFILES += $(HOST_TOOLS) regress/host/*/*.o regress/host/*/*.d
-include $(wildcard regress/host/*/*.d)
