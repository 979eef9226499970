package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// securityHeaders are sent on every answer: pages, partials, errors, static files, health.
// The CSP allows no inline script or style (htmx runs with allowEval off and its indicator
// styles in app.css); form-action also names the issuer, because sign-out is a form whose
// answer redirects there. Images come only from the dashboard itself (and data: URLs) unless
// remote pictures are on.
func securityHeaders(secure bool, issuerOrigin string, remotePictures bool) http.Header {
	formAction := "'self'"
	if issuerOrigin != "" {
		formAction += " " + issuerOrigin
	}
	imgSrc := "img-src 'self' data:"
	if remotePictures {
		imgSrc = "img-src 'self' https: data:"
	}
	h := http.Header{}
	h.Set("Content-Security-Policy", strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		imgSrc,
		"connect-src 'self'",
		"form-action " + formAction,
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; "))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()")
	h.Set("X-XSS-Protection", "0")
	// Nothing is cacheable unless it says so (static files do): pages hold user data.
	h.Set("Cache-Control", "no-store")
	if secure {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return h
}

// secureHeaders sets the security headers before anything else runs.
func (s *server) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range s.headers {
			h[k] = v
		}
		c.Set(ctxRemotePictures, s.pictures)
		return next(c)
	}
}
