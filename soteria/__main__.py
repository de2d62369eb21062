from soteria.cli import main

main()
