package spec

// checkName reports why name cannot name a component, or "" when it can.
// Names use letters, digits, '_' and '-' and start with a letter or '_';
// '.' is reserved for side-output references ("<name>.<output>").
func checkName(name string) string {
	if name == "" {
		return "component name is empty"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			return `'.' is reserved for side outputs ("<name>.<output>")`
		case !isNameByte(c):
			return "names use only letters, digits, '_' and '-'"
		}
	}
	if c := name[0]; c == '-' || isDigit(c) {
		return "names start with a letter or '_'"
	}
	return ""
}

// checkTenant reports why name cannot name a tenant, or "" when it can.
// Tenant names use letters, digits, '_' and '-' and do not start with '-'
// (a leading digit is allowed: tenants are often named after accounts).
func checkTenant(name string) string {
	if name == "" {
		return "tenant name is empty"
	}
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			return "tenant names use only letters, digits, '_' and '-'"
		}
	}
	if name[0] == '-' {
		return "tenant names do not start with '-'"
	}
	return ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_' || c == '-'
}
