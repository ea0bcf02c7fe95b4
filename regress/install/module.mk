# regress/install: make install and make uninstall into scratch trees (a
# DESTDIR; a PREFIX with stand-ins for systemd-sysusers, systemd-tmpfiles
# and useradd), checking the exact files and modes, that an existing config
# is kept, and that uninstall leaves nothing. It never touches the system.
TESTS += regress/install/install.t
