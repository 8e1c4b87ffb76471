package engine

// commands is the declarative command table: every command darner knows,
// indexed by lower-case name. Families register their entries from their
// own files (strings.go, keys.go, ...) through register in init.
var commands = map[string]*Command{}

func register(cmds ...*Command) {
	for _, c := range cmds {
		if _, dup := commands[c.Name]; dup {
			panic("engine: command registered twice: " + c.Name)
		}
		commands[c.Name] = c
	}
}

// maxCommandName bounds the names Lookup will consider; longer names are
// unknown commands.
const maxCommandName = 32

// Lookup finds a command by name, case-insensitively, without allocating.
// It returns nil for an unknown command.
func Lookup(name []byte) *Command {
	if len(name) > maxCommandName {
		return nil
	}
	var buf [maxCommandName]byte
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return commands[string(buf[:len(name)])] // no allocation: map index by converted []byte
}

// Commands returns the table (read-only after init).
func Commands() map[string]*Command { return commands }
