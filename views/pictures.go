package views

import "context"

// picturesKey is the context key of the remote-pictures setting.
type picturesKey struct{}

// WithRemotePictures returns a context in which the components show users' pictures and
// organizations' logos from wherever their URLs point (USERDESK_PICTURES=remote). Without it
// they show initials only, so that a staff browser never asks a picture's host for it: the
// host would learn when, and from where, staff opened which account. The CSP must allow the
// pictures (img-src https:) when this is on, and forbids them when it is off.
func WithRemotePictures(ctx context.Context, on bool) context.Context {
	return context.WithValue(ctx, picturesKey{}, on)
}

// remotePictures reports whether remote pictures are on for this render.
func remotePictures(ctx context.Context) bool {
	on, _ := ctx.Value(picturesKey{}).(bool)
	return on
}
