package engine

// commands is the declarative command table: every command darner knows,
// indexed by lower-case name. Families register their entries from their
// own files (strings.go, keys.go, ...) through register in init.
var commands = map[string]*Command{}

// commandList indexes the table by Command.ID (registration order).
var commandList []*Command

// CommandByID returns the command with the given ID (see NumCommands).
func CommandByID(id int) *Command { return commandList[id] }

// NumCommands is the number of registered top-level commands; IDs are
// 0..NumCommands()-1, so per-command counters can be plain arrays.
func NumCommands() int { return len(commandList) }

// Register adds commands to the table. It is for tests and embedders that
// need extra commands; call it before any server starts (the table is
// read without locks afterwards).
func Register(cmds ...*Command) { register(cmds...) }

func register(cmds ...*Command) {
	for _, c := range cmds {
		if _, dup := commands[c.Name]; dup {
			panic("engine: command registered twice: " + c.Name)
		}
		c.parseDocs()
		c.ID = len(commandList)
		commandList = append(commandList, c)
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
