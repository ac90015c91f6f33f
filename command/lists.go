package command

func listCommands() []Spec {
	return []Spec{}
}
