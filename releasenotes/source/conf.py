# Sphinx configuration of the release notes (tox -e releasenotes): reno's
# extension renders releasenotes/notes/*.yaml from the git history.
project = 'nova-hotspot Release Notes'
copyright = 'The nova-hotspot authors'
extensions = ['reno.sphinxext']
master_doc = 'index'
exclude_patterns = []
html_theme = 'alabaster'
