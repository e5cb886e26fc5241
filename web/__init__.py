"""What every request and response passes: settings, security headers and CSRF, errors, templating,
the page cache, the limiter, forms, signed stamps, conditional GET and absolute addresses."""
