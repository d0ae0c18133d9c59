# Sphinx configuration of the documentation (tox -e docs, built with -W).
#
# The Markdown under doc/ stays where it is (the README and the code link
# to it): each page here includes its file through myst-parser. The
# configuration reference and the sample are generated from the option
# declarations by oslo.config's Sphinx extensions.
project = 'nova-hotspot'
copyright = 'The nova-hotspot authors'
extensions = [
    'myst_parser',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
]
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
html_static_path = ['_static']

# oslo_config.sphinxconfiggen: writes _static/nova-hotspot.conf.sample at
# each build, from the same generator file as tox -e genconfig.
config_generator_config_file = [
    ('../../etc/nova-hotspot/nova-hotspot-config-generator.conf',
     '_static/nova-hotspot'),
]

# Links in the included Markdown that point at files outside the docs
# (source files, the README, tools/) are kept as plain links; links
# between the pages resolve as cross-references.
myst_heading_anchors = 3
