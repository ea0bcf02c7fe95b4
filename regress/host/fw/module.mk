# regress/host/fw: fwtool, which drives privsep/parent/firewall.c for
# regress/host/t/20-firewall.t and 22-fw-nft.t. Linked from the firewall objects, and
# lazylib.o, which loads their libraries as in the daemon (the log it
# writes to comes from libprivsep.a).

FWTOOL      := regress/host/bin/fwtool
FWTOOL_OBJS := regress/host/fw/fwtool.o privsep/parent/firewall.o \
               privsep/parent/fw_iptables.o privsep/parent/fw_iptables_read.o \
               privsep/parent/fw_iptables_emit.o privsep/parent/fw_iptables_tc.o \
               privsep/parent/fw_iptables_entry.o \
               privsep/parent/tool.o \
               privsep/parent/fw_nftables.o privsep/parent/fw_nftables_text.o \
               privsep/parent/fw_nftables_host.o \
               privsep/parent/lazylib.o privsep/errfmt.o
$(FWTOOL): $(FWTOOL_OBJS) privsep/libprivsep.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(FWTOOL_OBJS) privsep/libprivsep.a $(PKG_LIBS)

TEST_BUILD += $(FWTOOL)
CLEANFILES += $(FWTOOL) regress/host/fw/*.o regress/host/fw/*.d
