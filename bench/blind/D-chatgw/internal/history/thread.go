package history

import "strings"

// Msg is a message with its replies, as rebuilt from the reply-to links
// clients send. Reply chains are as deep as users make them.
type Msg struct {
	From    string
	Text    string
	Replies []*Msg
}

const indentUnit = "  "

// RenderThread returns the plain-text transcript used by the export endpoint.
func RenderThread(root *Msg) string {
	var sb strings.Builder
	writeNode(&sb, root, 0)
	return sb.String()
}

func writeNode(sb *strings.Builder, m *Msg, level int) {
	// A whole line is assembled here before it is written so that the
	// builder grows once per message.
	var line [6144]byte
	n := 0
	for i := 0; i < level && n+len(indentUnit) < 64; i++ {
		n += copy(line[n:], indentUnit)
	}
	n += copy(line[n:], m.From)
	n += copy(line[n:], ": ")
	n += copy(line[n:], m.Text)
	if n < len(line) {
		line[n] = '\n'
		n++
	}
	sb.Write(line[:n])

	for _, r := range m.Replies {
		writeNode(sb, r, level+1)
	}
}

// Outline renders only the first few levels of a thread for notifications.
func Outline(root *Msg) string {
	var sb strings.Builder
	outlineNode(&sb, root, 0)
	return sb.String()
}

const outlineDepth = 4

func outlineNode(sb *strings.Builder, m *Msg, depth int) {
	if depth > outlineDepth {
		return
	}
	var line [2048]byte
	n := copy(line[:], m.Text)
	sb.Write(line[:n])
	sb.WriteByte('\n')
	for _, r := range m.Replies {
		outlineNode(sb, r, depth+1)
	}
}
