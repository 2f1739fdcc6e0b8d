package platform

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrRiskyEnv marks a variable name a record may not set unasked: one that changes how
// programs load code, which programs they run, or where their traffic goes.
var ErrRiskyEnv = errors.New("changes how programs load code")

// riskyEnvPrefixes and riskyEnv are the names CheckEnvName refuses unless allowed, compared in
// upper case (Windows' names ignore case). A record's variable holds a token; no token needs one
// of these names, and each makes the program given it load or run something chosen by whoever
// wrote the record (README: "Variables a record can set").
var riskyEnvPrefixes = []string{
	"LD_", "DYLD_", // the dynamic linker: LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, DYLD_INSERT_LIBRARIES
	"GIT_",        // GIT_SSH_COMMAND, GIT_ASKPASS, GIT_EXEC_PATH, GIT_CONFIG_*: git runs what they name
	"PYTHON",      // PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONBREAKPOINT, PYTHONWARNINGS (imports)
	"PERL",        // PERL5LIB, PERL5OPT, PERLLIB, PERL5DB
	"RUBY",        // RUBYOPT, RUBYLIB
	"NODE_",       // NODE_OPTIONS (--require), NODE_PATH, NODE_EXTRA_CA_CERTS
	"NPM_CONFIG_", // npm's settings, scripts and registries among them
	"LUA_",        // LUA_INIT, LUA_PATH, LUA_CPATH
	"XDG_",        // XDG_CONFIG_HOME and XDG_CONFIG_DIRS: where git, shells and tools read config
	"TOK_",        // tok's own settings (TOK_BACKEND, TOK_FILE_PASSPHRASE, ...)
}

var riskyEnv = []string{
	// shells: the search path, startup files and hooks they run
	"PATH", "HOME", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
	"IFS", "CDPATH", "ZDOTDIR", "SHELL",
	// programs that others start by these names
	"EDITOR", "VISUAL", "PAGER", "MANPAGER", "LESSOPEN", "LESSCLOSE", "BROWSER",
	"SSH_ASKPASS", "SUDO_ASKPASS",
	// the C library: modules and settings it loads
	"GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES",
	// the JVM, PHP, R, Tcl and Ruby's gems
	"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH",
	"PHPRC", "PHP_INI_SCAN_DIR", "R_PROFILE", "R_PROFILE_USER", "R_ENVIRON", "R_ENVIRON_USER",
	"R_LIBS", "R_LIBS_USER", "TCLLIBPATH", "GEM_HOME", "GEM_PATH", "BUNDLE_GEMFILE",
	// config files that name programs to run (docker's credential helpers, kubectl's exec plugins)
	"DOCKER_CONFIG", "KUBECONFIG",
	// where traffic goes and whom it trusts
	"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
	"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
}

// CheckEnvName is the one rule for a variable name that reaches a program from a record or a
// platform (tok set --env, tok login --env, import, the config file's env, a record read back
// by tok exec and tok env): it must be [A-Za-z_][A-Za-z0-9_]*, and it must not be one that
// changes how programs load code (ErrRiskyEnv) unless allow names it exactly (--allow-env).
// The error names the variable (never a value); the caller says how to ask for it.
func CheckEnvName(name string, allow []string) error {
	if !ValidEnvName(name) {
		return fmt.Errorf("%q is not an environment variable name (letters, digits and _, not starting with a digit)", name)
	}
	if riskyEnvName(name) && !slices.Contains(allow, name) {
		return fmt.Errorf("%s %w or which programs run", name, ErrRiskyEnv)
	}
	return nil
}

func riskyEnvName(name string) bool {
	upper := strings.ToUpper(name)
	if slices.Contains(riskyEnv, upper) {
		return true
	}
	for _, p := range riskyEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return false
}
