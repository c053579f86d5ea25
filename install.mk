# install.mk: where `make install` puts mod_todo, and `make uninstall`.
#
# The defaults fit Debian's apache2; every directory can be overridden
# (`make install PREFIX=/opt/todo APACHE_MODS_AVAILABLE=/etc/httpd/...`),
# and DESTDIR stages the whole tree for a package (debian/rules does).
# docs/install.md has the other layouts (RHEL's conf.modules.d, an httpd
# built from source).
#
#   module           $(MODULEDIR)/mod_todo.so        (apxs -q LIBEXECDIR)
#   todoctl          $(BINDIR)/todoctl, its manual $(MANDIR)/man1/todoctl.1
#   migrations       $(DATADIR)/sql/<driver>/*.sql
#   Swagger UI       $(DATADIR)/ui/
#   documentation    $(DOCDIR)/
#   httpd config     $(APACHE_MODS_AVAILABLE)/todo.load, todo.conf: the
#                    module (`a2enmod todo`), which serves nothing alone;
#                    $(TODO_CONFDIR)/todo-api.conf: the API (database,
#                    secret, /api/v1, /docs/, headers, JSON errors,
#                    limits), for the main server or a <VirtualHost>;
#                    $(APACHE_CONF_AVAILABLE)/todo.conf: the API for the
#                    whole server (`a2enconf todo`), with the JSON access
#                    log of every virtual host; todo-cors.conf (CORS)
#
# The API's hardening and log come from the conf/todo-*.conf.in files that
# `make run`'s instance is made from (scripts/instance.sh), substituted
# here: one source for both.
#
# Installing into the live system (DESTDIR empty) then runs
# scripts/install-setup.sh, what the Debian package's postinst does: the
# database directory $(STATEDIR), owned by $(RUN_USER), and a fresh JWT
# secret at $(SECRET_FILE) unless one is there. SETUP=no skips it (an
# image must not carry a secret: see the Dockerfile).

PREFIX                ?= /usr/local
BINDIR                ?= $(PREFIX)/bin
DATADIR               ?= $(PREFIX)/share/mod_todo
DOCDIR                ?= $(PREFIX)/share/doc/mod_todo
MANDIR                ?= $(PREFIX)/share/man
MODULEDIR             ?= $(shell $(APXS) -q LIBEXECDIR)
APACHE_MODS_AVAILABLE ?= /etc/apache2/mods-available
APACHE_CONF_AVAILABLE ?= /etc/apache2/conf-available
TODO_CONFDIR          ?= /etc/mod_todo
# The JSON access log of conf-available/todo.conf (httpd expands
# ${APACHE_LOG_DIR}, from Debian's envvars; *.log: logrotate's apache2
# rules rotate it).
ACCESS_LOG            ?= $${APACHE_LOG_DIR}/todo-access.json.log
STATEDIR              ?= /var/lib/mod_todo
SECRET_FILE           ?= /etc/mod_todo/jwt.secret
RUN_USER              ?= www-data
RUN_GROUP             ?= $(RUN_USER)
SETUP                 ?= yes
DESTDIR               ?=

INSTALL      = install
DOC_FILES    = README.md LICENSE $(wildcard docs/*.md)
SQL_DRIVERS  = $(notdir $(wildcard sql/*))
UI_FILES     = ui/index.html ui/swagger-initializer.js
UI_DIST     ?= ui/node_modules/swagger-ui-dist
# The files of swagger-ui-dist the page needs, one a line (instance.sh,
# for `make run`, copies the same list).
UI_DIST_FILES = $(shell cat ui/dist.files)

# The shipped files name Debian's paths; rewrite them to the ones chosen.
CONF_PATHS   = -e 's|/usr/lib/apache2/modules/|$(MODULEDIR)/|g' \
               -e 's|/var/lib/mod_todo/|$(STATEDIR)/|g' \
               -e 's|/etc/mod_todo/jwt.secret|$(SECRET_FILE)|g' \
               -e 's|/etc/mod_todo/todo-api.conf|$(TODO_CONFDIR)/todo-api.conf|g' \
               -e 's|/usr/local/share/mod_todo/|$(DATADIR)/|g'
# The conf/todo-*.conf.in files, as scripts/instance.sh fills them for
# `make run`, filled for an installation.
CONF_IN      = -e 's|@MOUNT@|/api/v1|g' -e 's|@MODDIR@|$(MODULEDIR)|g' \
               -e 's|@DOCSDIR@|$(DATADIR)/ui|g'

.PHONY: install install-module install-bin install-data install-doc \
        install-conf install-setup uninstall

install: install-module install-bin install-data install-doc install-conf
ifeq ($(strip $(DESTDIR))$(SETUP),yes)
	$(MAKE) --no-print-directory install-setup
endif

install-module: $(MODULE)
	$(INSTALL) -d $(DESTDIR)$(MODULEDIR)
	@# rename, never overwrite: a running httpd has the old file mapped
	$(INSTALL) -m 644 $(MODULE) $(DESTDIR)$(MODULEDIR)/mod_todo.so.tmp
	mv -f $(DESTDIR)$(MODULEDIR)/mod_todo.so.tmp \
	    $(DESTDIR)$(MODULEDIR)/mod_todo.so

install-bin: $(TODOCTL)
	$(INSTALL) -d $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(TODOCTL) $(DESTDIR)$(BINDIR)/todoctl
	$(INSTALL) -d $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 man/todoctl.1 $(DESTDIR)$(MANDIR)/man1/todoctl.1

# Data under $(DATADIR): the migrations (also embedded in the module and
# todoctl; these are for reading, and for running by hand with psql).
install-data:
	for d in $(SQL_DRIVERS); do \
	    $(INSTALL) -d $(DESTDIR)$(DATADIR)/sql/$$d && \
	    $(INSTALL) -m 644 sql/$$d/*.sql $(DESTDIR)$(DATADIR)/sql/$$d/ \
	    || exit 1; \
	done
	@# The Swagger UI page (served at /docs/ by todo.conf) and the files
	@# it needs from the npm package swagger-ui-dist, when ui/node_modules
	@# has them (`sh scripts/deps.sh ui`). Without them the rest installs
	@# all the same and /docs/ answers 404 (docs/install.md).
	@missing=; for f in $(UI_DIST_FILES); do \
	    [ -f $(UI_DIST)/$$f ] || missing="$$missing $$f"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "install: Swagger UI NOT installed (/docs/ will answer 404):" \
	         "$(UI_DIST) lacks$$missing."; \
	    echo "install: to install it: sh scripts/deps.sh ui," \
	         "then make install again."; \
	else \
	    set -x; \
	    $(INSTALL) -d $(DESTDIR)$(DATADIR)/ui/dist && \
	    $(INSTALL) -m 644 $(UI_FILES) $(DESTDIR)$(DATADIR)/ui/ && \
	    $(INSTALL) -m 644 $(addprefix $(UI_DIST)/,$(UI_DIST_FILES)) \
	        $(DESTDIR)$(DATADIR)/ui/dist/; \
	fi

install-doc:
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

# todo.load and todo-cors.conf are always replaced (they hold no choice of
# the administrator's); the other files, when the administrator has changed
# them, are kept, and the new one put beside them as FILE.dist, as dpkg
# would ask before replacing a conffile.
KEEP_EDITED = sh -c 'f=$$1; if [ ! -e "$$f" ] || cmp -s "$$f" "$$f.dist"; \
    then mv -f "$$f.dist" "$$f"; else echo "install: kept your $${f\#$(DESTDIR)};" \
    "the new one is $$(basename "$$f").dist"; fi' sh

install-conf:
	$(INSTALL) -d $(DESTDIR)$(APACHE_MODS_AVAILABLE) \
	    $(DESTDIR)$(APACHE_CONF_AVAILABLE) $(DESTDIR)$(TODO_CONFDIR)
	@# mods-available: the module, and what it brings to every server
	@# (the JSON log's format, which needs it; where CORS's origins go).
	sed $(CONF_PATHS) conf/todo.load > $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.load.tmp
	mv -f $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.load.tmp \
	    $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.load
	chmod 644 $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.load
	{ sed $(CONF_PATHS) conf/todo-module.conf && \
	  printf '\n# ---- the JSON access log (conf/todo-logging.conf.in) ----\n' && \
	  sed -n '/^LogFormat /p' conf/todo-logging.conf.in; \
	} > $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf.dist
	chmod 644 $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf.dist
	@$(KEEP_EDITED) $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf
	@if grep -qs 'SetHandler todo-api' \
	    $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf; then \
	    echo "install: your $(APACHE_MODS_AVAILABLE)/todo.conf is from before" \
	         "the API moved to $(TODO_CONFDIR)/todo-api.conf: carry your" \
	         "changes there, replace it with todo.conf.dist, and a2enconf" \
	         "todo (docs/install.md, Upgrading)"; \
	fi
	@# The API: conf/todo.conf (database, secret, the <Location>, every
	@# directive) and the hardening `make run` serves with.
	{ sed $(CONF_PATHS) conf/todo.conf && \
	  for f in docs headers limits; do \
	    printf '\n# ---- conf/todo-%s.conf.in ----\n' $$f && \
	    sed $(CONF_IN) conf/todo-$$f.conf.in || exit 1; \
	  done; \
	} > $(DESTDIR)$(TODO_CONFDIR)/todo-api.conf.dist
	chmod 644 $(DESTDIR)$(TODO_CONFDIR)/todo-api.conf.dist
	@$(KEEP_EDITED) $(DESTDIR)$(TODO_CONFDIR)/todo-api.conf
	@# The API for the whole server (`a2enconf todo`): the main server's
	@# own settings, the API, and the JSON log of every virtual host.
	{ printf '%s\n' \
	    "# mod_todo's API for the whole server: \`a2enconf todo\` (after" \
	    "# \`a2enmod todo\`). It mounts /api/v1 and /docs/ in the main server" \
	    "# and every virtual host, with their settings: headers, JSON error" \
	    "# bodies and limits for all that this server answers. To serve the" \
	    "# API in one <VirtualHost> only, leave this disabled and Include" \
	    "# $(TODO_CONFDIR)/todo-api.conf there (docs/install.md)." "" && \
	  sed $(CONF_IN) conf/todo-server.conf.in && \
	  printf '\n%s\n' "Include \"$(TODO_CONFDIR)/todo-api.conf\"" && \
	  printf '\n%s\n' "# The JSON access log (conf/todo-logging.conf.in) of every" \
	    "# virtual host, whatever logs it has of its own." && \
	  sed -n 's|^CustomLog "@ACCESSLOG@" |GlobalLog "$(ACCESS_LOG)" |p' \
	    conf/todo-logging.conf.in; \
	} > $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo.conf.dist
	chmod 644 $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo.conf.dist
	@$(KEEP_EDITED) $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo.conf
	@# CORS for the API (conf-available/todo-cors.conf, `a2enconf
	@# todo-cors`), off until TODO_CORS_ORIGINS is defined, e.g. in
	@# mods-available/todo.conf (docs/operations.md, "CORS").
	sed $(CONF_IN) conf/todo-cors.conf.in \
	    > $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo-cors.conf.tmp
	mv -f $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo-cors.conf.tmp \
	    $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo-cors.conf
	chmod 644 $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo-cors.conf

install-setup:
	STATEDIR=$(STATEDIR) SECRET_FILE=$(SECRET_FILE) RUN_USER=$(RUN_USER) \
	    RUN_GROUP=$(RUN_GROUP) sh scripts/install-setup.sh

# Removes what `make install` put in place (disabling the module first on
# a live Debian system). The data in $(STATEDIR) and the secret stay.
uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v a2dismod >/dev/null 2>&1 && \
	    [ -e "$(dir $(APACHE_MODS_AVAILABLE))mods-enabled/todo.load" ]; then \
	    echo "a2dismod todo"; a2dismod -q todo; \
	fi
	@for c in todo todo-cors; do \
	    if [ -z "$(DESTDIR)" ] && command -v a2disconf >/dev/null 2>&1 && \
	        [ -e "$(dir $(APACHE_CONF_AVAILABLE))conf-enabled/$$c.conf" ]; then \
	        echo "a2disconf $$c"; a2disconf -q $$c; \
	    fi; \
	done
	rm -f $(DESTDIR)$(MODULEDIR)/mod_todo.so $(DESTDIR)$(BINDIR)/todoctl \
	    $(DESTDIR)$(MANDIR)/man1/todoctl.1 \
	    $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo-cors.conf \
	    $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo.conf \
	    $(DESTDIR)$(APACHE_CONF_AVAILABLE)/todo.conf.dist \
	    $(DESTDIR)$(TODO_CONFDIR)/todo-api.conf \
	    $(DESTDIR)$(TODO_CONFDIR)/todo-api.conf.dist \
	    $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.load \
	    $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf \
	    $(DESTDIR)$(APACHE_MODS_AVAILABLE)/todo.conf.dist
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	@# The directory of todo-api.conf, when nothing else (the secret) is
	@# left in it.
	-rmdir $(DESTDIR)$(TODO_CONFDIR) 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then \
	    echo "uninstall: kept the data in $(STATEDIR) and the secret" \
	         "$(SECRET_FILE); remove them yourself if they must go"; \
	fi
