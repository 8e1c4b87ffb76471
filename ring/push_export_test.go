package ring

// Monitors returns how many MONITOR connections the server has.
func Monitors(s *Server) int { return int(s.monitors.Load()) }
