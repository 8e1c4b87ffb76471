package engine

// Config is the server's runtime parameter store (CONFIG GET/SET).
type Config struct{}
