"""What leaves the machine: the site published to GitHub Pages, feed items posted to Twitter/X."""
